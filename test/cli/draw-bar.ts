/** Draws a progress bar on a terminal and waits to be interrupted (for the terminal-restore test). */
import { progressBar } from "../../src/cli/progress.js";

const bar = progressBar(1000, "embed");
bar.onProgress?.({ done: 10, total: 1000 });
process.stdout.write(`PID ${process.pid} ${bar.onProgress ? "drawing" : "no-tty"}\n`);
setInterval(() => bar.onProgress?.({ done: 20, total: 1000 }), 50);
