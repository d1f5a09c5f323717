// The notebooks shipped in notebooks/, bundled at build time so the first screen needs no network.
import { parseNotebook } from '../notebook/format.ts';

export interface ShippedNotebook {
  id: string;
  title: string;
  description: string;
  source: string;
}

const files = import.meta.glob('/notebooks/*.md', { query: '?raw', import: 'default', eager: true }) as Record<
  string,
  string
>;

export const shippedNotebooks: ShippedNotebook[] = Object.entries(files)
  .map(([path, source]) => {
    const id = path.split('/').pop()!.replace(/\.md$/, '');
    const { title, description } = parseNotebook(source).meta;
    return {
      id,
      title: typeof title === 'string' ? title : id,
      description: typeof description === 'string' ? description : '',
      source,
    };
  })
  .sort((a, b) => a.id.localeCompare(b.id));

/** Whether `source` is, byte for byte, a notebook shipped with this build: only those run js without trust. */
export function isShippedSource(source: string): boolean {
  return shippedNotebooks.some((nb) => nb.source === source);
}
