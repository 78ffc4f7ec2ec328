"""What makes the page's wasm big: section sizes of the shipped file, and code
size per crate and per function from a build that still has function names.

Usage: python3 wasm_size.py SHIPPED.wasm [NAMED.wasm] [--top 12]

SHIPPED is dist/*.wasm (after wasm-bindgen and wasm-opt -Oz; no names).
NAMED is the same code before wasm-opt, with its name section
(target/wasm-bindgen/release/upcheck_bg.wasm after `trunk build --release`);
wasm-opt shrinks every function, so its per-crate figures are shares of the
code before -Oz, not exact shipped bytes. Prints Markdown. Standard library only.
"""

import collections
import gzip
import re
import sys

SECTION_NAMES = {
    0: "custom", 1: "type", 2: "import", 3: "function", 4: "table", 5: "memory",
    6: "global", 7: "export", 8: "start", 9: "element", 10: "code", 11: "data",
    12: "data count", 13: "tag",
}


def leb(data, pos):
    result = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return result, pos


def name(data, pos):
    n, pos = leb(data, pos)
    return data[pos:pos + n].decode("utf-8", "replace"), pos + n


def sections(data):
    assert data[:4] == b"\0asm", "not a wasm file"
    pos = 8
    while pos < len(data):
        sid = data[pos]
        size, body = leb(data, pos + 1)
        label = SECTION_NAMES.get(sid, str(sid))
        end = body + size
        if sid == 0:
            custom, body = name(data, body)
            label = "custom: " + custom
        yield sid, label, data[body:end], end - pos
        pos = end


def imported_functions(body):
    count, pos = leb(body, 0)
    funcs = 0
    for _ in range(count):
        _, pos = name(body, pos)
        _, pos = name(body, pos)
        kind = body[pos]
        pos += 1
        if kind == 0:  # function: type index
            _, pos = leb(body, pos)
            funcs += 1
        elif kind == 1:  # table: reftype, limits
            pos += 1
            flags = body[pos]
            _, pos = leb(body, pos + 1)
            if flags & 1:
                _, pos = leb(body, pos)
        elif kind == 2:  # memory: limits
            flags = body[pos]
            _, pos = leb(body, pos + 1)
            if flags & 1:
                _, pos = leb(body, pos)
        elif kind == 3:  # global: valtype, mut
            pos += 2
        elif kind == 4:  # tag
            pos += 1
            _, pos = leb(body, pos)
    return funcs


def function_sizes(body):
    count, pos = leb(body, 0)
    sizes = []
    for _ in range(count):
        size, start = leb(body, pos)
        sizes.append(size + (start - pos))
        pos = start + size
    return sizes


def function_names(body):
    names = {}
    pos = 0
    while pos < len(body):
        sub = body[pos]
        size, start = leb(body, pos + 1)
        if sub == 1:
            count, p = leb(body, start)
            for _ in range(count):
                idx, p = leb(body, p)
                names[idx], p = name(body, p)
        pos = start + size
    return names


def demangle(symbol):
    """Path components of a legacy-mangled Rust symbol, else the symbol."""
    m = re.match(r"_ZN(.*)E$", symbol)
    if not m:
        return [symbol]
    rest, parts = m.group(1), []
    while rest and rest[0].isdigit():
        digits = re.match(r"\d+", rest).group(0)
        n = int(digits)
        parts.append(rest[len(digits):len(digits) + n])
        rest = rest[len(digits) + n:]
    if parts and re.fullmatch(r"h[0-9a-f]{16}", parts[-1]):
        parts.pop()
    return [p.replace("$LT$", "<").replace("$GT$", ">").replace("$u20$", " ")
             .replace("..", "::").replace("$RF$", "&").replace("$C$", ",")
             for p in parts] or [symbol]


PRIMITIVES = {"f32", "f64", "char", "str", "bool", "u8", "u16", "u32", "u64", "u128",
              "usize", "i8", "i16", "i32", "i64", "i128", "isize"}


def crate_of(symbol):
    if symbol.startswith("_R"):  # v0 mangling (the standard library's)
        m = re.search(r"C(?:s[0-9a-zA-Z]*_)?(\d+)", symbol)
        if m:
            start = m.end()
            return symbol[start:start + int(m.group(1))]
    path = "::".join(demangle(symbol)) if symbol.startswith("_ZN") else symbol
    # `<T as Trait>::f`, `<&mut T>::f`, `core[hash]::f`: the first path's crate.
    m = re.match(r"[<_]*&?(?:mut |dyn )?([A-Za-z_][A-Za-z0-9_]*)", path)
    if not m:
        return "(unnamed)"
    first = m.group(1)
    if first.startswith(("__wbg", "wasm_bindgen", "__wbindgen")):
        return "wasm_bindgen (glue)"
    if first.startswith("func") and re.fullmatch(r"func\d+", first):
        return "(unnamed)"
    if first in PRIMITIVES:
        return "core"
    if len(first) == 1:  # `<T as Trait>::f`: a generic impl, crate unknown
        return "(generic impls)"
    return first


def kib(n):
    return f"{n / 1024:.1f} KiB"


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    top = 12
    if "--top" in sys.argv:
        top = int(sys.argv[sys.argv.index("--top") + 1])
        args.remove(str(top))
    shipped = open(args[0], "rb").read()
    total = len(shipped)
    print(f"Shipped wasm: {kib(total)} raw, {kib(len(gzip.compress(shipped, 9)))} gzip -9.\n")
    print("| section | bytes | share | gzip -9 alone |")
    print("|---|---:|---:|---:|")
    for _, label, body, size in sections(shipped):
        print(f"| {label} | {size} | {100 * size / total:.1f} % | {len(gzip.compress(body, 9))} |")
    if len(args) < 2:
        return
    named = open(args[1], "rb").read()
    imports = 0
    sizes, names = [], {}
    for sid, label, body, _ in sections(named):
        if sid == 2:
            imports = imported_functions(body)
        elif sid == 10:
            sizes = function_sizes(body)
        elif label == "custom: name":
            names = function_names(body)
    code = sum(sizes)
    if not names:
        print("\n(the named build has no name section: no per-crate figures)")
        return
    by_crate = collections.Counter()
    by_fn = []
    for i, size in enumerate(sizes):
        symbol = names.get(imports + i, f"func[{imports + i}]")
        by_crate[crate_of(symbol)] += size
        by_fn.append((size, "::".join(demangle(symbol))))
    print(f"\nCode before wasm-opt: {kib(code)} in {len(sizes)} functions "
          f"(shipped code section after -Oz is smaller; shares carry over roughly).\n")
    print("| crate (by symbol path) | code before -Oz | share |")
    print("|---|---:|---:|")
    for crate, size in by_crate.most_common(top):
        print(f"| {crate} | {kib(size)} | {100 * size / code:.1f} % |")
    print("\n| largest functions before -Oz | bytes |")
    print("|---|---:|")
    for size, fn in sorted(by_fn, reverse=True)[:top]:
        fn = fn if len(fn) < 110 else fn[:107] + "…"
        print(f"| `{fn.replace('|', '/')}` | {size} |")


if __name__ == "__main__":
    main()
