// SPDX-License-Identifier: (MIT OR GPL-2.0)
/* Test module that does not compile. */
#include <xtoe/module.h>

XTOE_MODULE(syntax_error)
{
	return XTOE_NEXT /* missing semicolon */
}
