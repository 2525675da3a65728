// Vite's `?url` imports: the URL of a file emitted as an asset (the elkjs worker script, components/dag-view.tsx).
declare module "*?url" {
  const url: string;
  export default url;
}
