/** The terminal report of a Song–Miller–Abbott run (human.ts). */
export { songHumanReport } from './human.ts';
