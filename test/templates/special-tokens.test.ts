// The special tokens every template sees, as transformers' `special_tokens_map` gives them
// (transformers 5: the seven named tokens, set ones only, as strings).
import { describe, expect, it } from "vitest";
import { specialTokens } from "../../src/templates/special-tokens.js";

describe("specialTokens (what a chat or score template sees)", () => {
  it("reads each special token as a string or an AddedToken's content, and skips the rest", () => {
    expect(
      specialTokens({
        bos_token: "<s>",
        eos_token: { content: "</s>", lstrip: false },
        pad_token: null,
        unk_token: { content: 3 },
        sep_token: "[SEP]",
        cls_token: "[CLS]",
        mask_token: "[MASK]",
        additional_special_tokens: ["<x>"],
      }),
    ).toEqual({ bos_token: "<s>", eos_token: "</s>", sep_token: "[SEP]", cls_token: "[CLS]", mask_token: "[MASK]" });
    expect(specialTokens({ pad_token: "<pad>", unk_token: "<unk>" })).toEqual({ pad_token: "<pad>", unk_token: "<unk>" });
  });
});
