/*
 * Byte layout of the snapshot format, version 1 (lib/SNAPSHOT.md): offsets
 * and sizes of the file header, section headers and section contents, and the
 * little-endian load/store helpers the codec uses. Internal to snapshot*.c
 * and their tests; the public API is snapshot.h.
 */
#ifndef GS_SNAP_FORMAT_H
#define GS_SNAP_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "state.h"

#define SNAP_MAGIC     "\x89GSNAP\r\n"
#define SNAP_MAGIC_LEN 8
#define SNAP_VERSION   1

/* File header. Bytes 0..15 and "CRC in the last 4 header bytes" are frozen
 * for every version so any reader can check a header it cannot parse. */
enum {
	SNAP_H_MAGIC = 0,
	SNAP_H_VERSION = 8,
	SNAP_H_HSIZE = 12,
	SNAP_H_FLAGS = 16,
	SNAP_H_NSECT = 20,
	SNAP_H_FILELEN = 24,
	SNAP_H_RESERVED = 32,
	SNAP_H_CRC = 36,
	SNAP_HDR_SIZE = 40,
	SNAP_HDR_MAX = 4096, /* bound on header_size for any version */
};

/* Section header, followed by `length` data bytes. */
enum {
	SNAP_S_TYPE = 0,
	SNAP_S_FLAGS = 4,
	SNAP_S_LEN = 8,
	SNAP_S_DATA_CRC = 16,
	SNAP_S_HDR_CRC = 20,
	SNAP_SEC_HDR_SIZE = 24,
};

enum snap_type {
	SNAP_IDENTITY = 1,
	SNAP_PCICFG = 2,
	SNAP_REGS = 3,
	SNAP_VRAM = 4,
	SNAP_PAD = 5,
	SNAP_VRAM_RAW = 6,
	SNAP_NTYPES
};

/* IDENTITY section contents. */
enum {
	SNAP_ID_VENDOR = 0,
	SNAP_ID_DEVICE = 2,
	SNAP_ID_SUBVENDOR = 4,
	SNAP_ID_SUBDEVICE = 6,
	SNAP_ID_CLASS = 8, /* u32, high byte zero */
	SNAP_ID_REVISION = 12,
	SNAP_ID_RESERVED = 13, /* 3 bytes, zero */
	SNAP_ID_VRAM_SIZE = 16,
	SNAP_ID_CHIP = 24, /* GS_CHIP_NAME_MAX bytes, NUL-padded */
	SNAP_ID_CHIP_VERSION = 40,
	SNAP_ID_RESERVED2 = 44, /* u32, zero */
	SNAP_ID_SIZE = 48,
};

/* VRAM section contents: this header, the chunk table, the chunk data. */
enum {
	SNAP_V_CHUNK_SIZE = 0,
	SNAP_V_NCHUNKS = 4,
	SNAP_V_TABLE = 8,
	SNAP_V_ENTRY_SIZE = 8, /* u32 kind, u32 stored length */
};

enum snap_chunk_kind {
	SNAP_CHUNK_ZERO = 0,
	SNAP_CHUNK_ZSTD = 1,
	SNAP_CHUNK_RAW = 2
};

#define SNAP_PCICFG_SIZE   256
#define SNAP_CHUNK_MIN	   (4u << 10)
#define SNAP_CHUNK_MAX	   (16u << 20)
#define SNAP_CHUNK_DEFAULT (64u << 10)
#define SNAP_LEVEL_DEFAULT 3
#define SNAP_VRAM_MAX	   (512ull << 20)
#define SNAP_RAW_ALIGN	   4096
/* Largest valid file: every chunk stored raw plus a raw copy, the chunk table
 * at 4 KiB chunks, headers and padding; snap_read refuses larger files. */
#define SNAP_FILE_MAX (2 * SNAP_VRAM_MAX + (16ull << 20))

/* Where a section lies in the buffer (offset of its header). */
struct snap_sec {
	size_t off;
	const uint8_t *data;
	uint64_t len;
};

/* Chunk statistics of a VRAM section, for snap_list. */
struct snap_vram_stats {
	uint32_t chunk_size, nchunks, nzero, nzstd, nraw;
	uint64_t stored;
};

static inline uint16_t snap_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t snap_get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static inline uint64_t snap_get64(const uint8_t *p)
{
	return (uint64_t)snap_get32(p) | (uint64_t)snap_get32(p + 4) << 32;
}

static inline void snap_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void snap_put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline void snap_put64(uint8_t *p, uint64_t v)
{
	snap_put32(p, (uint32_t)v);
	snap_put32(p + 4, (uint32_t)(v >> 32));
}

/* Name of a section type ("VRAM"), or "unknown". */
const char *snap_type_name(uint32_t type);
/* err_set with a "TYPE section at offset OFF: " prefix; returns code. */
int snap_sec_err(struct err *e, int code, uint32_t type, size_t off,
		 const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* VRAM chunk codec (snap_vram.c). */
/* Bytes in chunk i: chunk_size, or all of VRAM when VRAM is smaller. */
static inline uint64_t snap_chunk_bytes(uint64_t vram_size, uint32_t chunk_size)
{
	return vram_size < chunk_size ? vram_size : chunk_size;
}
/* Upper bound of the VRAM section's data length for this VRAM. */
size_t snap_vram_bound(uint64_t vram_size, uint32_t chunk_size);
/* Write the VRAM section data at out (capacity from snap_vram_bound);
 * *len gets the bytes used. */
int snap_vram_encode(const uint8_t *vram, uint64_t vram_size,
		     uint32_t chunk_size, int level, uint8_t *out, size_t *len,
		     struct err *e);
/* Check the chunk table and every frame header against vram_size without
 * decompressing; fills st (may be NULL). */
int snap_vram_check(const struct snap_sec *s, uint64_t vram_size,
		    struct snap_vram_stats *st, struct err *e);
/* Decompress a checked section into vram (vram_size bytes). */
int snap_vram_decode(const struct snap_sec *s, uint8_t *vram,
		     uint64_t vram_size, struct err *e);

#endif
