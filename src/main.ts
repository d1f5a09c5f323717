import { mount } from 'svelte';
import App from './ui/App.svelte';
import { appUpdate } from './ui/appUpdate.svelte.ts';
import './ui/theme.css';

const target = document.getElementById('app');
if (!target) throw new Error('index.html has no #app element');
mount(App, { target });

// Offline after the first visit (production builds only: the dev server changes files under it).
if (import.meta.env.PROD) appUpdate.register();
