declare module 'vitest' {
  interface ProvidedContext {
    runtime: 'node' | 'browser';
  }
}
export {};
