// Hash routes: "#/" the home screen, "#/nb/<id>" one notebook, "#nb=<data>" a notebook shared by link,
// "#view=<data>" the same read-only (a student's link).

export type Route =
  | { page: 'home' }
  | { page: 'notebook'; id: string }
  | { page: 'shared'; fragment: string }
  | { page: 'view'; fragment: string };

export function parseRoute(hash: string): Route {
  const h = hash.replace(/^#/, '');
  if (h.startsWith('nb=')) return { page: 'shared', fragment: h };
  if (h.startsWith('view=')) return { page: 'view', fragment: h };
  const m = /^\/nb\/([\w.-]+)$/.exec(h);
  return m ? { page: 'notebook', id: m[1] } : { page: 'home' };
}

export class Router {
  route = $state<Route>(parseRoute(typeof location === 'undefined' ? '' : location.hash));

  constructor() {
    if (typeof window !== 'undefined')
      window.addEventListener('hashchange', () => (this.route = parseRoute(location.hash)));
  }

  go(hash: string): void {
    location.hash = hash;
  }
}
