// libnftables (Debian libnftables-dev): nft's own parser and netlink code, as a library.
#include <nftables/libnftables.h>
