/**
 * The media URL policy of `serve`: which image URLs in requests are read, and how.
 *
 * @module
 */
export { MediaPolicy } from "./media-policy.js";
export { MEDIA_DEFAULTS, type MediaOptions } from "./media-options.js";
export { resolveMediaItems, imageUrlOf, toDataUrl } from "./resolve-items.js";
export { isBlockedAddress } from "./blocked-address.js";
