/* SPDX-License-Identifier: MIT */
#include <xtoe/drop.h>

static const char *const drop_names[] = {
#define XTOE_DROP_NAME(name, text) [XTOE_DROP_##name] = #name,
	XTOE_DROP_REASONS(XTOE_DROP_NAME)
#undef XTOE_DROP_NAME
};

static const char *const drop_texts[] = {
#define XTOE_DROP_TEXT(name, text) [XTOE_DROP_##name] = text,
	XTOE_DROP_REASONS(XTOE_DROP_TEXT)
#undef XTOE_DROP_TEXT
};

const char *xtoe_drop_name(enum xtoe_drop_reason r)
{
	return (unsigned)r < XTOE_DROP__COUNT ? drop_names[r] : "UNKNOWN";
}

const char *xtoe_drop_text(enum xtoe_drop_reason r)
{
	return (unsigned)r < XTOE_DROP__COUNT ? drop_texts[r] : "unknown reason";
}
