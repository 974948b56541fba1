/// NLMSG_ALIGN and NLA_ALIGN: both headers and attributes are padded to 4 bytes
/// (<linux/netlink.h>, NLMSG_ALIGNTO and NLA_ALIGNTO).
@inline(__always)
func netlinkAlign(_ length: Int) -> Int { (length + 3) & ~3 }
