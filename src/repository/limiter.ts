// The write pipeline's semaphore is the shared one (src/pool.ts); archiver/ and restorer/ still import it from here.
export { Limiter } from '../pool.js';
