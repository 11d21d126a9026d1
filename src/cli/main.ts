#!/usr/bin/env node
/**
 * The `rerank-kit` executable: `serve`, `rerank` and `embed`. See {@link run}.
 * @module
 */
import { run } from "./program.js";

void run(process.argv).then((code) => {
  process.exitCode = code;
});
