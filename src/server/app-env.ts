/** The Hono environment of the server's app (no custom bindings). */
export interface AppEnv {
  /** Per-request variables. */
  Variables: {
    /** Prompt tokens of a request that ran the model (set by `withAdmission`), for the request log. */
    promptTokens?: number;
  };
}
