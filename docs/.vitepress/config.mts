import { defineConfig } from 'vitepress';

// Built with `pnpm docs:build` into docs/.vitepress/dist; docs/test/site.test.ts opens every page of
// it in a headless Chromium. Nothing fetches from the network: the default theme bundles its fonts,
// and search is the local (minisearch) index.
export default defineConfig({
  title: 'creds',
  description: "Give a GitHub repository's Actions workflows access to AWS, and take it away again.",
  lang: 'en',
  cleanUrls: true,
  lastUpdated: false,
  head: [
    ['link', { rel: 'icon', href: '/favicon.svg', type: 'image/svg+xml' }],
    ['link', { rel: 'icon', href: '/favicon.ico', sizes: '32x32' }],
  ],
  themeConfig: {
    search: { provider: 'local' },
    nav: [
      { text: 'Guide', link: '/getting-started' },
      { text: 'Reference', link: '/configuration' },
      { text: 'Internals', link: '/architecture' },
    ],
    sidebar: [
      {
        text: 'Guide',
        items: [
          { text: 'Getting started', link: '/getting-started' },
          { text: 'Workflows', link: '/workflows' },
          { text: 'Key stores', link: '/stores' },
          { text: 'Rotation', link: '/rotation' },
          { text: 'Fleets', link: '/fleets' },
          { text: 'Run on a schedule', link: '/schedule' },
          { text: 'Keyless (OIDC)', link: '/oidc' },
        ],
      },
      {
        text: 'Reference',
        items: [
          { text: 'Configuration', link: '/configuration' },
          { text: 'Command line', link: '/cli' },
          { text: 'Permissions', link: '/permissions' },
          { text: 'Troubleshooting', link: '/troubleshooting' },
          { text: 'FAQ', link: '/faq' },
          { text: 'Node.js and pinned dependencies', link: '/toolchain' },
        ],
      },
      {
        text: 'How it works',
        items: [
          { text: 'Security model', link: '/security' },
          { text: 'Architecture', link: '/architecture' },
          { text: 'Embedding the engine', link: '/embedding' },
          { text: 'Performance', link: '/performance' },
          { text: 'Compared with other tools', link: '/comparison' },
        ],
      },
    ],
    outline: { level: [2, 3] },
  },
});
