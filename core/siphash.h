/* SPDX-License-Identifier: MIT */
/* SipHash-2-4 (Aumasson, Bernstein: "SipHash: a fast short-input PRF"). */
#ifndef XTOE_SIPHASH_H
#define XTOE_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

uint64_t siphash24(const uint8_t key[16], const void *msg, size_t len);

#endif /* XTOE_SIPHASH_H */
