#ifndef AMT_CISAL_SHIM_H
#define AMT_CISAL_SHIM_H
// Intel ISA-L: igzip (deflate) and the gzip CRC-32, used for the zip bundles the bundler writes
// itself. The helpers below expose what Swift cannot import from the headers' macros.
#include <stdint.h>
#include <isa-l/igzip_lib.h>
#include <isa-l/crc.h>

/// Bytes of the level buffer igzip needs at `level` (1–3); 0 for level 0.
static inline uint32_t amt_isal_level_buffer_size(uint32_t level) {
    switch (level) {
    case 1: return ISAL_DEF_LVL1_DEFAULT;
    case 2: return ISAL_DEF_LVL2_DEFAULT;
    case 3: return ISAL_DEF_LVL3_DEFAULT;
    default: return 0;
    }
}

/// Whether the stream has written its final block (after `end_of_stream`).
static inline int amt_isal_stream_ended(const struct isal_zstream *stream) {
    return stream->internal_state.state == ZSTATE_END;
}

/// Sets the stream up for one raw deflate stream (no gzip or zlib wrapper) at `level`.
static inline void amt_isal_start(struct isal_zstream *stream, uint32_t level, uint8_t *level_buffer,
                                  uint32_t level_buffer_size) {
    isal_deflate_reset(stream);
    stream->level = level;
    stream->level_buf = level_buffer;
    stream->level_buf_size = level_buffer_size;
    stream->gzip_flag = IGZIP_DEFLATE;
    stream->hist_bits = 0;
    stream->flush = NO_FLUSH;
    stream->end_of_stream = 0;
}

static inline int amt_isal_ok(int status) { return status == COMP_OK; }
#endif
