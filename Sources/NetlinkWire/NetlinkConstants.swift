/// Kernel constants from <linux/netlink.h>, <linux/rtnetlink.h>, <linux/if_link.h>,
/// <linux/if_addr.h> and <linux/if.h>, spelt as the kernel spells them so that a reader can grep
/// the headers. Only the values Patchbay uses are listed.
public enum NetlinkConstants {
    // <linux/netlink.h>: message types shared by every family.
    public static let NLMSG_NOOP: UInt16 = 1
    public static let NLMSG_ERROR: UInt16 = 2
    public static let NLMSG_DONE: UInt16 = 3
    public static let NLMSG_OVERRUN: UInt16 = 4

    // <linux/netlink.h>: nlmsg_flags.
    public static let NLM_F_REQUEST: UInt16 = 0x01
    public static let NLM_F_MULTI: UInt16 = 0x02
    public static let NLM_F_ACK: UInt16 = 0x04
    public static let NLM_F_ECHO: UInt16 = 0x08
    public static let NLM_F_DUMP_INTR: UInt16 = 0x10
    public static let NLM_F_ROOT: UInt16 = 0x100
    public static let NLM_F_MATCH: UInt16 = 0x200
    public static let NLM_F_DUMP: UInt16 = NLM_F_ROOT | NLM_F_MATCH
    public static let NLM_F_REPLACE: UInt16 = 0x100
    public static let NLM_F_EXCL: UInt16 = 0x200
    public static let NLM_F_CREATE: UInt16 = 0x400
    public static let NLM_F_APPEND: UInt16 = 0x800
    /// Set on an NLMSG_ERROR whose payload was cut to the header (NETLINK_CAP_ACK).
    public static let NLM_F_CAPPED: UInt16 = 0x100
    /// Set on an NLMSG_ERROR that carries extended-ack TLVs after the echoed header.
    public static let NLM_F_ACK_TLVS: UInt16 = 0x200

    // <linux/netlink.h>: enum nlmsgerr_attrs.
    public static let NLMSGERR_ATTR_MSG: UInt16 = 1
    public static let NLMSGERR_ATTR_OFFS: UInt16 = 2

    // <linux/netlink.h>: attribute type flags.
    public static let NLA_F_NESTED: UInt16 = 0x8000
    public static let NLA_F_NET_BYTEORDER: UInt16 = 0x4000
    public static let NLA_TYPE_MASK: UInt16 = ~(NLA_F_NESTED | NLA_F_NET_BYTEORDER)

    // <linux/rtnetlink.h>: message types.
    public static let RTM_NEWLINK: UInt16 = 16
    public static let RTM_DELLINK: UInt16 = 17
    // <linux/rtnetlink.h>: the legacy multicast group bit for link changes (RTNLGRP_LINK = 1).
    public static let RTMGRP_LINK: UInt32 = 1
    /// RTNLGRP_NEIGH = 3: neighbour and bridge FDB changes (`bridge monitor fdb`).
    public static let RTMGRP_NEIGH: UInt32 = 1 << 2
    public static let RTM_GETLINK: UInt16 = 18
    public static let RTM_SETLINK: UInt16 = 19
    public static let RTM_NEWADDR: UInt16 = 20
    public static let RTM_DELADDR: UInt16 = 21
    public static let RTM_GETADDR: UInt16 = 22

    // <linux/socket.h>: address families.
    public static let AF_UNSPEC: UInt8 = 0
    public static let AF_INET: UInt8 = 2
    public static let AF_BRIDGE: UInt8 = 7
    public static let AF_INET6: UInt8 = 10

    // <linux/if_link.h>: enum IFLA_*.
    public static let IFLA_ADDRESS: UInt16 = 1
    public static let IFLA_BROADCAST: UInt16 = 2
    public static let IFLA_IFNAME: UInt16 = 3
    public static let IFLA_MTU: UInt16 = 4
    public static let IFLA_LINK: UInt16 = 5
    public static let IFLA_MASTER: UInt16 = 10
    public static let IFLA_PROTINFO: UInt16 = 12
    public static let IFLA_TXQLEN: UInt16 = 13
    public static let IFLA_OPERSTATE: UInt16 = 16
    public static let IFLA_LINKINFO: UInt16 = 18
    public static let IFLA_NET_NS_PID: UInt16 = 19
    public static let IFLA_IFALIAS: UInt16 = 20
    public static let IFLA_STATS64: UInt16 = 23
    public static let IFLA_EXT_MASK: UInt16 = 29
    public static let IFLA_NET_NS_FD: UInt16 = 28
    public static let IFLA_NUM_TX_QUEUES: UInt16 = 31
    public static let IFLA_NUM_RX_QUEUES: UInt16 = 32
    public static let IFLA_CARRIER: UInt16 = 33
    public static let IFLA_MIN_MTU: UInt16 = 50
    public static let IFLA_MAX_MTU: UInt16 = 51

    // <linux/if_link.h>: enum IFLA_INFO_*.
    public static let IFLA_INFO_KIND: UInt16 = 1
    public static let IFLA_INFO_DATA: UInt16 = 2
    public static let IFLA_INFO_SLAVE_KIND: UInt16 = 4
    public static let IFLA_INFO_SLAVE_DATA: UInt16 = 5

    // <linux/if_link.h>: enum IFLA_BRPORT_* (a bridge port's IFLA_INFO_SLAVE_DATA and IFLA_PROTINFO).
    public static let IFLA_BRPORT_STATE: UInt16 = 1
    public static let IFLA_BRPORT_LEARNING: UInt16 = 8

    // <linux/if_link.h>: enum IFLA_BR_*.
    public static let IFLA_BR_FORWARD_DELAY: UInt16 = 1
    public static let IFLA_BR_HELLO_TIME: UInt16 = 2
    public static let IFLA_BR_MAX_AGE: UInt16 = 3
    public static let IFLA_BR_AGEING_TIME: UInt16 = 4
    public static let IFLA_BR_STP_STATE: UInt16 = 5
    public static let IFLA_BR_PRIORITY: UInt16 = 6
    public static let IFLA_BR_VLAN_FILTERING: UInt16 = 7

    // <linux/veth.h>.
    public static let VETH_INFO_PEER: UInt16 = 1

    // <linux/if_tun.h>: enum IFLA_TUN_*.
    public static let IFLA_TUN_OWNER: UInt16 = 1
    public static let IFLA_TUN_GROUP: UInt16 = 2
    public static let IFLA_TUN_TYPE: UInt16 = 3
    public static let IFLA_TUN_PI: UInt16 = 4
    public static let IFLA_TUN_VNET_HDR: UInt16 = 5
    public static let IFLA_TUN_PERSIST: UInt16 = 6
    public static let IFLA_TUN_MULTI_QUEUE: UInt16 = 7
    public static let IFLA_TUN_NUM_QUEUES: UInt16 = 8

    // <linux/if_addr.h>: enum IFA_*.
    public static let IFA_ADDRESS: UInt16 = 1
    public static let IFA_LOCAL: UInt16 = 2
    public static let IFA_LABEL: UInt16 = 3
    public static let IFA_BROADCAST: UInt16 = 4
    public static let IFA_CACHEINFO: UInt16 = 6
    public static let IFA_FLAGS: UInt16 = 8

    // <linux/if_addr.h>: address flags.
    public static let IFA_F_NODAD: UInt32 = 0x02
    public static let IFA_F_PERMANENT: UInt32 = 0x80

    // <linux/rtnetlink.h>: enum rt_scope_t.
    public static let RT_SCOPE_UNIVERSE: UInt8 = 0
    public static let RT_SCOPE_LINK: UInt8 = 253
    public static let RT_SCOPE_HOST: UInt8 = 254

    // <linux/if.h>: net_device_flags.
    public static let IFF_UP: UInt32 = 0x1
    public static let IFF_BROADCAST: UInt32 = 0x2
    public static let IFF_LOOPBACK: UInt32 = 0x8
    public static let IFF_RUNNING: UInt32 = 0x40
    public static let IFF_MULTICAST: UInt32 = 0x1000
    public static let IFF_LOWER_UP: UInt32 = 0x10000

    // <linux/if_arp.h>.
    public static let ARPHRD_ETHER: UInt16 = 1
    public static let ARPHRD_LOOPBACK: UInt16 = 772
}

extension NetlinkConstants {
    // <linux/rtnetlink.h>: neighbour messages.
    public static let RTM_NEWNEIGH: UInt16 = 28
    public static let RTM_DELNEIGH: UInt16 = 29
    public static let RTM_GETNEIGH: UInt16 = 30

    // <linux/neighbour.h>: enum NDA_*.
    public static let NDA_DST: UInt16 = 1
    public static let NDA_LLADDR: UInt16 = 2
    public static let NDA_MASTER: UInt16 = 9

    // <linux/neighbour.h>: neighbour states.
    public static let NUD_REACHABLE: UInt16 = 0x02
    public static let NUD_STALE: UInt16 = 0x04
    public static let NUD_PERMANENT: UInt16 = 0x80

    // <linux/if_link.h>: IFLA_MACVLAN_* (a macvlan/macvtap's IFLA_INFO_DATA) and enum macvlan_mode.
    public static let IFLA_MACVLAN_MODE: UInt16 = 1
    public static let MACVLAN_MODE_PRIVATE: UInt32 = 1
    public static let MACVLAN_MODE_VEPA: UInt32 = 2
    public static let MACVLAN_MODE_BRIDGE: UInt32 = 4
    public static let MACVLAN_MODE_PASSTHRU: UInt32 = 8

    // <linux/if_link.h>, <linux/if_bridge.h>: bridge VLANs (`bridge vlan`), in IFLA_AF_SPEC of an
    // AF_BRIDGE RTM_SETLINK/RTM_DELLINK.
    public static let IFLA_AF_SPEC: UInt16 = 26
    public static let IFLA_BRIDGE_FLAGS: UInt16 = 0
    public static let IFLA_BRIDGE_VLAN_INFO: UInt16 = 2
    public static let BRIDGE_FLAGS_MASTER: UInt16 = 1
    public static let BRIDGE_VLAN_INFO_PVID: UInt16 = 0x2
    public static let BRIDGE_VLAN_INFO_UNTAGGED: UInt16 = 0x4
    public static let BRIDGE_VLAN_INFO_RANGE_BEGIN: UInt16 = 0x8
    public static let BRIDGE_VLAN_INFO_RANGE_END: UInt16 = 0x10

    // <linux/rtnetlink.h>: route messages, struct rtmsg values and enum rtattr_type_t.
    public static let RTM_NEWROUTE: UInt16 = 24
    public static let RTM_DELROUTE: UInt16 = 25
    public static let RTM_GETROUTE: UInt16 = 26
    public static let RTA_DST: UInt16 = 1
    public static let RTA_OIF: UInt16 = 4
    public static let RTA_GATEWAY: UInt16 = 5
    public static let RTA_PRIORITY: UInt16 = 6
    public static let RTA_PREFSRC: UInt16 = 7
    public static let RTA_MULTIPATH: UInt16 = 9
    public static let RTA_TABLE: UInt16 = 15
    public static let RT_TABLE_UNSPEC: UInt8 = 0
    public static let RT_TABLE_MAIN: UInt32 = 254
    public static let RT_TABLE_LOCAL: UInt32 = 255
    public static let RT_SCOPE_NOWHERE: UInt8 = 255
    public static let RTPROT_KERNEL: UInt8 = 2
    public static let RTN_UNICAST: UInt8 = 1
    public static let RTM_F_CLONED: UInt32 = 0x200
}

extension NetlinkConstants {
    // <linux/if_link.h>: SR-IOV virtual functions of a PF (IFLA_NUM_VF, IFLA_VFINFO_LIST and its
    // IFLA_VF_INFO entries, enum IFLA_VF_*), and the link states of struct ifla_vf_link_state.
    public static let IFLA_NUM_VF: UInt16 = 21
    public static let IFLA_VFINFO_LIST: UInt16 = 22
    public static let IFLA_VF_INFO: UInt16 = 1
    public static let IFLA_VF_MAC: UInt16 = 1
    public static let IFLA_VF_VLAN: UInt16 = 2
    public static let IFLA_VF_TX_RATE: UInt16 = 3
    public static let IFLA_VF_SPOOFCHK: UInt16 = 4
    public static let IFLA_VF_LINK_STATE: UInt16 = 5
    public static let IFLA_VF_RATE: UInt16 = 6
    public static let IFLA_VF_RSS_QUERY_EN: UInt16 = 7
    public static let IFLA_VF_STATS: UInt16 = 8
    public static let IFLA_VF_TRUST: UInt16 = 9
    public static let IFLA_VF_VLAN_LIST: UInt16 = 12
    public static let IFLA_VF_VLAN_INFO: UInt16 = 1
    public static let IFLA_VF_LINK_STATE_AUTO: UInt32 = 0
    public static let IFLA_VF_LINK_STATE_ENABLE: UInt32 = 1
    public static let IFLA_VF_LINK_STATE_DISABLE: UInt32 = 2

    // <linux/rtnetlink.h>: IFLA_EXT_MASK bits.
    public static let RTEXT_FILTER_VF: UInt32 = 1 << 0
    public static let RTEXT_FILTER_SKIP_STATS: UInt32 = 1 << 3

    // <linux/socket.h>: AF_PACKET, the family `ip link show` puts in its ifinfomsg.
    public static let AF_PACKET: UInt8 = 17

    // <linux/if_ether.h>: VLAN protocols (ETH_P_8021Q, ETH_P_8021AD).
    public static let ETH_P_8021Q: UInt16 = 0x8100
    public static let ETH_P_8021AD: UInt16 = 0x88a8
}

extension NetlinkConstants {
    // <linux/if_link.h>: IFLA_VF_BROADCAST (struct ifla_vf_broadcast, 32 bytes), which the kernel
    // writes into every IFLA_VF_INFO of a dump since Linux 5.4.
    public static let IFLA_VF_BROADCAST: UInt16 = 13
}

// MARK: - Bridge controls (issue 13, item 7)
extension NetlinkConstants {
    // <linux/if_link.h>: enum IFLA_BRPORT_* (further values).
    public static let IFLA_BRPORT_PRIORITY: UInt16 = 2
    public static let IFLA_BRPORT_COST: UInt16 = 3
    public static let IFLA_BRPORT_ISOLATED: UInt16 = 33

    // <linux/neighbour.h>: enum NDA_* (further values) and struct nda_cacheinfo's place.
    public static let NDA_CACHEINFO: UInt16 = 3
    public static let NDA_VLAN: UInt16 = 5

    // <linux/neighbour.h>: ndm_flags.
    public static let NTF_SELF: UInt8 = 0x02
    public static let NTF_MASTER: UInt8 = 0x04
    public static let NTF_EXT_LEARNED: UInt8 = 0x10

    // <linux/neighbour.h>: NUD_NOARP (with NUD_PERMANENT above).
    public static let NUD_NOARP: UInt16 = 0x40
}
