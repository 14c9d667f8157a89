/*
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of the
 * snapshot format (SNAPSHOT.md). crc32c(0, p, n) is the standard CRC of p;
 * passing a previous result continues it: crc32c(crc32c(0, a), b) is the CRC
 * of a followed by b.
 */
#ifndef GS_CRC32C_H
#define GS_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* Uses the SSE4.2 crc32 instruction when the CPU has it. */
uint32_t crc32c(uint32_t crc, const void *p, size_t n);
/* The portable slicing-by-8 implementation, exported so tests can check the
 * hardware path against it. */
uint32_t crc32c_sw(uint32_t crc, const void *p, size_t n);

#endif
