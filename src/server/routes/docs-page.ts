/**
 * The `/docs` page: a self-contained API explorer (no CDN, no external file), so it works on an
 * offline or air-gapped host. It reads `openapi.json`, lists every operation with its summary and
 * request schema, and sends a request from an editable body. With an API key the page asks for
 * it and sends it as `Authorization: Bearer`; it is kept in sessionStorage only.
 */
export const DOCS_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>rerank-kit server API</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:0 auto;max-width:960px;padding:1rem;color:#222}
h1{font-size:1.4rem}details{border:1px solid #ccc;border-radius:6px;margin:.5rem 0;padding:.4rem .8rem}
summary{cursor:pointer}code,pre,textarea{font:12px/1.4 ui-monospace,monospace}
pre{background:#f6f6f6;padding:.5rem;overflow:auto;max-height:24rem}textarea{width:100%;min-height:8rem}
.m{display:inline-block;min-width:4rem;font-weight:bold}.GET{color:#0a7}.POST{color:#06c}
#key{width:22rem}#err{color:#b00}
</style></head><body>
<h1>rerank-kit server API</h1>
<p>The raw spec is <a href="openapi.json">openapi.json</a>.
API key (if the server needs one): <input id="key" type="password" autocomplete="off"> <button id="load">Load</button></p>
<p id="err"></p><div id="ops"></div>
<script>
"use strict";
const $ = (t, a = {}, ...kids) => { const e = document.createElement(t); Object.assign(e, a); e.append(...kids); return e; };
const keyBox = document.getElementById("key");
keyBox.value = sessionStorage.getItem("rerank-kit-key") || "";
const headers = () => (keyBox.value ? { authorization: "Bearer " + keyBox.value } : {});
function resolve(spec, s) {
  while (s && s.$ref) s = s.$ref.split("/").slice(1).reduce((o, k) => o[k], spec);
  return s;
}
function example(spec, s, depth = 0) {
  s = resolve(spec, s) || {};
  if (s.example !== undefined) return s.example;
  if (s.default !== undefined) return s.default;
  if (depth > 4) return null;
  const alt = s.anyOf || s.oneOf;
  if (alt) return example(spec, alt[0], depth + 1);
  if (s.type === "object" || s.properties) {
    const o = {};
    for (const k of s.required || []) o[k] = example(spec, s.properties[k], depth + 1);
    return o;
  }
  if (s.type === "array") return [example(spec, s.items, depth + 1)];
  return { string: "text", integer: 0, number: 0, boolean: false }[s.type] ?? null;
}
async function load() {
  sessionStorage.setItem("rerank-kit-key", keyBox.value);
  const err = document.getElementById("err"), ops = document.getElementById("ops");
  err.textContent = ""; ops.replaceChildren();
  const r = await fetch("openapi.json", { headers: headers() });
  if (!r.ok) { err.textContent = "openapi.json: HTTP " + r.status + (r.status === 401 ? " (enter the API key)" : ""); return; }
  const spec = await r.json();
  for (const [path, item] of Object.entries(spec.paths || {})) {
    for (const [method, op] of Object.entries(item)) {
      const M = method.toUpperCase();
      const schema = op.requestBody && op.requestBody.content && op.requestBody.content["application/json"];
      const body = $("textarea", { value: schema ? JSON.stringify(example(spec, schema.schema), null, 2) : "" });
      const out = $("pre");
      const send = $("button", { textContent: "Send" });
      send.onclick = async () => {
        out.textContent = "...";
        const init = { method: M, headers: { ...headers(), ...(schema ? { "content-type": "application/json" } : {}) } };
        if (schema) init.body = body.value;
        try {
          const res = await fetch(path.slice(1), init);
          const text = await res.text();
          let shown = text; try { shown = JSON.stringify(JSON.parse(text), null, 2); } catch {}
          out.textContent = res.status + " " + res.statusText + "\\n" + shown;
        } catch (e) { out.textContent = String(e); }
      };
      ops.append($("details", {},
        $("summary", {}, $("span", { className: "m " + M, textContent: M }), $("code", { textContent: path }), " " + (op.summary || "")),
        $("p", { textContent: op.description || "" }),
        ...(schema ? [$("p", { textContent: "Request schema:" }), $("pre", { textContent: JSON.stringify(resolve(spec, schema.schema), null, 2) }), body] : []),
        send, out));
    }
  }
}
document.getElementById("load").onclick = load;
load();
</script></body></html>`;
