// The entry of an assessment thread: registers tsx's loader in this thread, then runs the
// TypeScript worker (a thread does not inherit the loader of the process that starts it).
import { register } from 'tsx/esm/api';

register();
await import('./assess-worker.ts');
