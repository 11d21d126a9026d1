export { renderScoreTemplate } from "./render.js";
export type { ScoreTemplateInput } from "./render.js";
export { ScoreTemplate, isScoreTemplateSource } from "./score-template.js";
export type { ScoreTemplateOrigin, TemplateLayout } from "./score-template.js";
export { scoreTemplatePresets, isScoreTemplatePreset, QWEN3_DEFAULT_INSTRUCTION } from "./presets.js";
export type { ScoreTemplatePresetName } from "./presets.js";
export { resolveScoreTemplate } from "./resolve.js";
export type { TemplateSources } from "./resolve.js";
