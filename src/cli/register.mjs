// Registered after tsx, so its hooks run first and answer `?raw` imports before tsx sees them.
import { register } from 'node:module';
register('./raw-hooks.mjs', import.meta.url);
