/** The Hono environment of the server's app (no custom bindings or variables). */
export interface AppEnv {
  /** Per-request variables: none. */
  Variables: Record<string, never>;
}
