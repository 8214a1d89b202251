/* nettle loaded on first need: see dl_nettle.h. */
#define WXDL_IMPL_
#include "dl_nettle.h"

WXDL_DEFINE(nettle, NETTLE, "libnettle.so.8", "libnettle8")
