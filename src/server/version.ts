import pkg from "../../package.json" with { type: "json" };

/** The rerank-kit version served at `/version`. */
export const VERSION: string = pkg.version;
