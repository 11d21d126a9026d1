"""Differential tokenization goldens: a corpus of hard text encoded by the Rust `tokenizers`.

Every tokenizer the test suite loads (the TypeScript fixture tokenizers, each distinct
`tokenizer.json` under test/golden, and the real Hub tokenizers under test/golden/real-files) encodes
every corpus text alone and every corpus pair, with and without special tokens. The ids are written
to test/golden/tokenization/golden.json, which test/local/tokenization/rust-parity.test.ts compares
exactly with rerank-kit's TextTokenizer.

Also recorded: each text through the Rust `Lowercase` normalizer, which sentence-transformers 6
puts in front of the tokenizer's normalizer when `sentence_bert_config.json` says `do_lower_case`
(per character: no final sigma, unlike Python's `str.lower()` that sentence-transformers 2 used).

Run: `nice python scripts/reference/tokenization.py` (needs node for the fixture tokenizers).
Developer tool only: `npm test` reads the committed output and never runs Python.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import unicodedata
from pathlib import Path

import tokenizers
from tokenizers import Tokenizer
from tokenizers.normalizers import Lowercase

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / "test" / "golden" / "tokenization" / "golden.json"

# (name, text). Names say which edge each text probes; texts are written with escapes wherever the
# character would be invisible or ambiguous in an editor.
CORPUS: list[tuple[str, str]] = [
    # --- ASCII baselines
    ("ascii", "The quick brown fox jumps over the lazy dog."),
    ("ascii-caps", "WHAT IS THE CAPITAL OF FRANCE? Paris, of course!"),
    ("empty", ""),
    ("spaces-only", "   "),
    ("punctuation", "Hello, world! (test) [x] {y} <z> a/b\\c \"q\" 'r' `s` ~t^ |u| _v_ #w @x $y %z &"),
    ("url-email", "Mail me at first.last+tag@example.co.uk or see https://example.com/a/b?q=1&r=%20#frag"),
    ("numbers", "3.14159 1,000,000 -42 +7 1e-9 0x1F 2026-12-06 12:30:59"),
    ("code", "def f(x):\n\treturn x**2  # square\n\nif __name__ == '__main__':\n    print(f(3))"),
    ("contractions", "I'm sure you'll see they've said it's what we'd DONE'S"),
    # --- Greek: final sigma and friends
    ("greek-final-sigma", "\u039f\u0394\u039f\u03a3"),  # ΟΔΟΣ
    ("greek-caps-sentence", "\u0397 \u039f\u0394\u039f\u03a3 \u039a\u0391\u0399 \u0397 \u03a3\u039f\u03a6\u0399\u0391 \u03a4\u0397\u03a3 \u0391\u0398\u0397\u039d\u0391\u03a3."),
    ("greek-lone-sigma", "\u03a3 \u03a3\u03a3 \u03a3\u0391\u03a3"),
    ("greek-sigma-punct", "\u039f\u0394\u039f\u03a3, \u039b\u039f\u0393\u039f\u03a3. '\u03a3' \u0391\u03a3\u0391\u03a31"),
    ("greek-lower", "\u03bf\u03b4\u03cc\u03c2 \u03ba\u03b1\u03b9 \u03c3\u03bf\u03c6\u03af\u03b1"),
    ("greek-polytonic", "\u1f48\u03b4\u03c5\u03c3\u03c3\u03b5\u03cd\u03c2 \u1f08\u0398\u0397\u039d\u0391\u0399 \u1f59\u039c\u039d\u039f\u03a3 \u0390 \u03b0 \u1fb3 \u1fbc"),
    ("greek-tonos-caps", "\u0386\u0398\u0397\u039d\u0391 \u038c\u03a1\u039f\u03a3 \u03aa\u03ab"),
    # --- Latin case-mapping edges
    ("dotted-i", "\u0130stanbul \u0130I \u0131i D\u0130YARBAKIR"),
    ("turkish", "I\u011fd\u0131r'da \u0131l\u0131k \u015fEYLER \u00c7\u011e\u00d6\u015e\u00dc\u0130 \u00e7\u011f\u00f6\u015f\u00fc\u0131"),
    ("sharp-s", "Stra\u00dfe STRASSE \u1e9e gro\u00df"),
    ("ligatures", "\ufb01nance \ufb02ow \ufb00 \ufb03 \ufb04 \ufb05 \u00c6sop \u0153uvre \u0132 \u01c4 \u01c5 \u01c6"),
    ("titlecase-digraphs", "\u01c5ungla \u01c8ubljana \u01cbegu\u0161 \u01f2"),
    ("kelvin-angstrom-ohm", "\u212a \u212b \u2126 \u2160\u2161\u2162 \u24b6\u24b7"),
    ("fullwidth", "\uff21\uff22\uff23\uff11\uff12\uff13\uff01 \uff4b\uff41\uff54\uff41"),
    ("math-alnum-astral", "\U0001d400\U0001d401\U0001d402 \U0001d54f \U0001d7d8\U0001d7d9"),
    ("superscripts-fractions", "x\u00b2 + y\u00b3 \u00bd \u2153 \u2460\u2461 \u2075"),
    ("accents", "Cr\u00e8me Br\u00fbl\u00e9e \u00e0 la fa\u00e7on \u00c5ngstr\u00f6m \u00c0\u00c9\u00ce\u00d5\u00dc na\u00efve"),
    ("vietnamese", "Ti\u1ebfng Vi\u1ec7t c\u00f3 d\u1ea5u: NG\u01af\u1edcI \u0110\u1ea4T"),
    ("lithuanian-polish", "\u012e\u0307 \u0104\u0118\u0141\u0143\u00d3\u015a\u0179\u017b \u0105\u0119\u0142\u0144\u00f3\u015b\u017a\u017c"),
    ("nfc", "caf\u00e9 na\u00efve \u00c5"),
    ("nfd", "cafe\u0301 nai\u0308ve A\u030a"),
    ("combining-stack", "a\u0300\u0301\u0302\u0303 Z\u0351\u0352\u0353\u0354\u0355 q\u0323\u0307"),
    ("combining-alone", "\u0301 \u0308x \u20dd"),
    # --- Other scripts
    ("cyrillic", "\u041c\u043e\u0441\u043a\u0432\u0430 \u0401\u041b\u041a\u0410 \u0451\u043b\u043a\u0430 \u0407\u0436\u0430\u043a \u0490\u0430\u043d\u043e\u043a \u0419\u041e\u0413\u0423\u0420\u0422"),
    ("armenian", "\u0535\u0580\u0587\u0561\u0576 \u0535\u054e \u0587 \u0540\u0531\u0545\u0531\u054d\u054f\u0531\u0546"),
    ("georgian", "\u10d7\u10d1\u10d8\u10da\u10d8\u10e1\u10d8 \u1c9b\u1cae\u1c94\u1c93\u1ca0\u1ca3\u1c9a\u1c98 \u10a0\u10a1"),
    ("cherokee", "\u13e3\u13b3\u13a9 \uab70\uab71 \u13f8"),
    ("unicode16-case", "\ua7cb\ua7cc\ua7dc \U00010d50\U00010d51"),
    ("cjk", "\u6771\u4eac\u90fd\u306e\u5929\u6c17\u306f\u6674\u308c\u3067\u3059\u3002"),
    ("cjk-punct", "\u4e2d\u6587\u6d4b\u8bd5\uff0c\u6807\u70b9\uff01\u300c\u5f15\u7528\u300d\u3010\u62ec\u53f7\u3011"),
    ("cjk-latin-mixed", "GPU\u52a0\u901f\u7684BERT\u6a21\u578b2024\u5e74"),
    ("cjk-astral-pair", "\U00020bb7\U0002a6a5"),  # 𠮷𪚥
    ("cjk-astral-latin", "a\U00020bb7b\U0002a6a5c"),
    ("cjk-astral-word", "\U00020bb7\u91ce\u5bb6\u3067\u725b\u4e3c"),
    ("cjk-ext-ranges", "\U0002b820\U0002b91f\U0002b920 \U0002ceaf\U0002ceb0 \U00030000 \U0002f800\U0002fa1d \uf900\ufa6d \u3400\u4dbf \u9fff"),
    ("cjk-radicals-strokes", "\u2f00\u2e80\u31c0 \u3005\u3006\u3007"),
    ("japanese-kana", "\u30ab\u30bf\u30ab\u30ca \u3072\u3089\u304c\u306a \uff76\uff80\uff76\uff85 \u30fc\u30fb"),
    ("hangul", "\uc548\ub155\ud558\uc138\uc694 \uc138\uacc4! \ud55c\uad6d\uc5b4"),
    ("hangul-jamo-nfd", "\u1112\u1161\u11ab\u1100\u116e\u11a8\u110b\u1165"),
    ("thai", "\u0e20\u0e32\u0e29\u0e32\u0e44\u0e17\u0e22\u0e44\u0e21\u0e48\u0e21\u0e35\u0e0a\u0e48\u0e2d\u0e07\u0e27\u0e48\u0e32\u0e07"),
    ("devanagari", "\u0939\u093f\u0928\u094d\u0926\u0940 \u0928\u092e\u0938\u094d\u0924\u0947 \u0915\u094d\u0937\u0924\u094d\u0930\u093f\u092f \u0966\u0967\u0968"),
    ("bengali-tamil", "\u09ac\u09be\u0982\u09b2\u09be \u0ba4\u0bae\u0bbf\u0bb4\u0bcd"),
    ("arabic-harakat", "\u0627\u0644\u0639\u064e\u0631\u064e\u0628\u0650\u064a\u0651\u064e\u0629 \u0661\u0662\u0663 \u06f1\u06f2\u06f3 \u061f"),
    ("arabic-tatweel-lam-alef", "\u0643\u0640\u0640\u0640\u062a\u0627\u0628 \ufefb \u0644\u0627"),
    ("hebrew-niqqud", "\u05e9\u05b8\u05c1\u05dc\u05d5\u05b9\u05dd \u05e2\u05d5\u05b9\u05dc\u05b8\u05dd"),
    ("persian-zwnj", "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"),
    ("ethiopic-tibetan", "\u12a0\u121b\u122d\u129b \u0f56\u0f7c\u0f51\u0f0b"),
    ("mixed-scripts", "Tokyo \u6771\u4eac, \u041c\u043e\u0441\u043a\u0432\u0430, \u0391\u03b8\u03ae\u03bd\u03b1, \u05d9\u05e8\u05d5\u05e9\u05dc\u05d9\u05dd, \u0627\u0644\u0642\u0627\u0647\u0631\u0629"),
    # --- Control, format and zero-width characters
    ("zwj", "a\u200db \u200d"),
    ("zwnj", "a\u200cb"),
    ("zwsp", "zero\u200bwidth\u200bspace"),
    ("bom", "\ufeffstart with a BOM\ufeff"),
    ("soft-hyphen", "co\u00adoperate hyphen\u00ad"),
    ("word-joiner-bidi", "a\u2060b \u200eleft\u200f \u202eright\u202c \u2066iso\u2069"),
    ("nul-replacement", "nul\u0000here \ufffd replacement"),
    ("c0-c1-controls", "bell\u0007 esc\u001b del\u007f nel\u0085x pad\u0080 csi\u009b"),
    ("vt-ff-seps", "a\u000bb\u000cc\u001cd\u001de\u001ef\u001fg"),
    ("line-para-sep", "line\u2028sep para\u2029sep"),
    ("space-adjacent-formats", "a \ufeff b  \ufeff\ufeff c \u0085 d\u0085\u0085e \u180e f\u200b \u200b g \ufeff"),
    ("trailing-bom-nel", "tail\u0085\ufeff\u0085"),
    ("metaspace-literal", "\u2581word \u2581\u2581 _x_ \uff5e\uff5e ~ \u301c"),
    ("private-use-unassigned", "\ue000 \U000f0000 \u0378 \U000e0001\U000e0041"),
    ("variation-selectors", "\u845b\U000e0100 \u2764\ufe0e \u2764\ufe0f"),
    # --- Emoji
    ("emoji-skin-tone", "\U0001f44d\U0001f3fd \U0001f44b\U0001f3ff"),
    ("emoji-zwj-family", "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"),
    ("emoji-flags", "\U0001f1ef\U0001f1f5\U0001f1eb\U0001f1f7 \U0001f3f3\ufe0f\u200d\U0001f308 \U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f"),
    ("emoji-keycap-text", "1\ufe0f\u20e3 I \u2764\ufe0f NY \U0001f600\U0001f602\U0001f923"),
    # --- Whitespace
    ("long-space-run", "a" + " " * 300 + "b"),
    ("tabs-newlines", "\t\ttab\n\nnewline\r\nwindows\rmac \n \t end"),
    ("leading-trailing", "   leading and trailing   "),
    ("unicode-spaces", "a\u00a0b\u2003c\u3000d\u2009e\u202ff\u205fg\u1680h\u180ei"),
    ("newline-runs", "para one.\n\n\n\npara two.\n   \n\tpara three."),
    # --- Long words and repetition
    ("long-word", "a" * 150),
    ("long-word-100", "b" * 100 + " " + "c" * 101),
    ("repeated-punct", "!!!??? ... \u2026\u2026 ---- \u2014\u2013 \u00ab\u00bb \u201e\u201c \u203d"),
    # --- Literal special-token strings (added tokens must split the text as in Rust)
    ("bert-specials", "[CLS] query [SEP] doc [MASK] [UNK] [PAD] [cls]"),
    ("roberta-specials", "<s>hello</s><pad><unk><mask> </s> x"),
    ("chatml-specials", "<|im_start|>system\nJudge.<|im_end|>\n<|im_start|>user\n<Query>: q<|im_end|><|endoftext|>"),
    ("think-tags", "<think>\n\n</think>\n\nyes no Yes No"),
    ("gemma-specials", "<bos><start_of_turn>user\nhi<end_of_turn>\n<eos>"),
]

# Pairs probed: each text with the next one (wrapping), plus a few chosen crossings.
EXTRA_PAIRS = [("greek-final-sigma", "cjk-astral-pair"), ("empty", "ascii"), ("ascii", "empty"), ("long-space-run", "bom")]


def _pairs() -> list[tuple[int, int]]:
    index = {name: i for i, (name, _) in enumerate(CORPUS)}
    n = len(CORPUS)
    return [(i, (i + 1) % n) for i in range(n)] + [(index[a], index[b]) for a, b in EXTRA_PAIRS]


def _fixture_tokenizers() -> dict[str, str]:
    """The tokenizer.json strings of the TypeScript fixture models (test/fixtures/tokenizer)."""
    script = (
        "import { tokenizerJson } from './test/fixtures/tokenizer/write-tokenizer.ts';"
        "console.log(JSON.stringify({ bert: JSON.stringify(tokenizerJson('bert')), roberta: JSON.stringify(tokenizerJson('roberta')) }));"
    )
    out = subprocess.run(["npx", "tsx", "--eval", script], cwd=REPO, check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _tokenizer_sources() -> list[tuple[str, str]]:
    """(key, tokenizer.json text): fixture tokenizers, then one file per distinct content."""
    sources = [(f"fixture:{k}", v) for k, v in _fixture_tokenizers().items()]
    seen = {_sha(v) for _, v in sources}
    files = sorted((REPO / "test" / "golden").rglob("tokenizer.json"))
    for path in files:
        text = path.read_text(encoding="utf-8")
        if _sha(text) in seen:
            continue
        seen.add(_sha(text))
        sources.append((path.relative_to(REPO).as_posix(), text))
    return sources


def _encode_all(tok: Tokenizer) -> dict:
    tok.no_truncation()
    tok.no_padding()
    texts = [t for _, t in CORPUS]
    single = [tok.encode(t, add_special_tokens=False).ids for t in texts]
    single_special = []
    for t in texts:
        e = tok.encode(t, add_special_tokens=True)
        single_special.append({"ids": e.ids, "typeIds": e.type_ids})
    pairs = []
    for a, b in _pairs():
        e = tok.encode(texts[a], texts[b], add_special_tokens=True)
        plain = tok.encode(texts[a], texts[b], add_special_tokens=False)
        pairs.append({"a": a, "b": b, "ids": e.ids, "typeIds": e.type_ids, "idsNoSpecial": plain.ids})
    return {"single": single, "singleSpecial": single_special, "pairs": pairs}


def main() -> None:
    tokenizers_out = {}
    for key, text in _tokenizer_sources():
        tok = Tokenizer.from_str(text)
        tokenizers_out[key] = {"sha256": _sha(text), **_encode_all(tok)}
        print(f"{key}: {len(tokenizers_out[key]['single'])} texts", file=sys.stderr)
    golden = {
        "tokenizers_version": tokenizers.__version__,
        "python_unicode": unicodedata.unidata_version,
        "corpus": [{"name": n, "text": t, "stLower": Lowercase().normalize_str(t)} for n, t in CORPUS],
        "tokenizers": tokenizers_out,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    # One tokenizer per line keeps diffs readable.
    lines = ["{"]
    lines.append(f'  "tokenizers_version": {json.dumps(golden["tokenizers_version"])},')
    lines.append(f'  "python_unicode": {json.dumps(golden["python_unicode"])},')
    lines.append('  "corpus": [')
    lines.append(",\n".join("    " + json.dumps(c) for c in golden["corpus"]))
    lines.append("  ],")
    lines.append('  "tokenizers": {')
    lines.append(",\n".join(f"    {json.dumps(k)}: {json.dumps(v, separators=(',', ':'))}" for k, v in tokenizers_out.items()))
    lines.append("  }")
    lines.append("}")
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {OUT.relative_to(REPO)}", file=sys.stderr)


if __name__ == "__main__":
    main()
