// The notebooks shipped in notebooks/, bundled at build time so the first screen needs no network.

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

/** Title and description from the YAML front matter's `title:` and `description:` lines. */
function frontMatterField(source: string, field: string): string | undefined {
  const front = /^---\r?\n([\s\S]*?)\r?\n---/.exec(source)?.[1] ?? '';
  const line = new RegExp(`^${field}:\\s*(.+)$`, 'm').exec(front)?.[1]?.trim();
  return line?.replace(/^(['"])(.*)\1$/, '$2');
}

export const shippedNotebooks: ShippedNotebook[] = Object.entries(files)
  .map(([path, source]) => {
    const id = path.split('/').pop()!.replace(/\.md$/, '');
    return {
      id,
      title: frontMatterField(source, 'title') ?? id,
      description: frontMatterField(source, 'description') ?? '',
      source,
    };
  })
  .sort((a, b) => a.id.localeCompare(b.id));
