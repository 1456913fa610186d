"""Raw deflate of a file through the system zlib, as libarchive compresses a zip entry.

usage: deflate.py LEVEL FILE   (output discarded; prints the compressed size on stderr)

The stand-in for the bundle's compressor in scripts/bench-parsers: the same library and window
(raw deflate, 15 bits, memLevel 8), fed 1 MiB at a time.
"""
import sys
import zlib

level, path = int(sys.argv[1]), sys.argv[2]
compressor = zlib.compressobj(level, zlib.DEFLATED, -15, 8)
size = 0
with open(path, "rb", buffering=0) as f:
    while True:
        block = f.read(1 << 20)
        if not block:
            break
        size += len(compressor.compress(block))
size += len(compressor.flush())
print(size, file=sys.stderr)
