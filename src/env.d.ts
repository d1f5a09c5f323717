/** The build's name, set by vite.config.ts: PRIMER_BUILD, else the commit it was built from. */
declare const __PRIMER_BUILD__: string;
