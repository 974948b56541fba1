// MARK: - Traffic control (tc): qdiscs, classes, filters, actions
extension NetlinkConstants {
    // <linux/rtnetlink.h>: traffic-control message types.
    public static let RTM_NEWQDISC: UInt16 = 36
    public static let RTM_DELQDISC: UInt16 = 37
    public static let RTM_GETQDISC: UInt16 = 38
    public static let RTM_NEWTCLASS: UInt16 = 40
    public static let RTM_DELTCLASS: UInt16 = 41
    public static let RTM_GETTCLASS: UInt16 = 42
    public static let RTM_NEWTFILTER: UInt16 = 44
    public static let RTM_DELTFILTER: UInt16 = 45
    public static let RTM_GETTFILTER: UInt16 = 46

    // <linux/rtnetlink.h>: enum TCA_* (the attributes after struct tcmsg).
    public static let TCA_KIND: UInt16 = 1
    public static let TCA_OPTIONS: UInt16 = 2
    public static let TCA_STATS: UInt16 = 3
    public static let TCA_XSTATS: UInt16 = 4
    public static let TCA_STATS2: UInt16 = 7
    public static let TCA_CHAIN: UInt16 = 11

    // <linux/gen_stats.h>: enum TCA_STATS_* inside TCA_STATS2.
    public static let TCA_STATS_BASIC: UInt16 = 1
    public static let TCA_STATS_QUEUE: UInt16 = 3

    // <linux/pkt_sched.h>: handles. A handle is major:minor in the high and low 16 bits.
    public static let TC_H_UNSPEC: UInt32 = 0
    public static let TC_H_ROOT: UInt32 = 0xFFFF_FFFF
    public static let TC_H_INGRESS: UInt32 = 0xFFFF_FFF1
    public static let TC_H_CLSACT: UInt32 = TC_H_INGRESS
    public static let TC_H_MIN_INGRESS: UInt32 = 0xFFF2
    public static let TC_H_MIN_EGRESS: UInt32 = 0xFFF3

    // <linux/pkt_sched.h>: struct tc_ratespec linklayer.
    public static let TC_LINKLAYER_UNAWARE: UInt8 = 0
    public static let TC_LINKLAYER_ETHERNET: UInt8 = 1
    public static let TC_LINKLAYER_ATM: UInt8 = 2

    // <linux/pkt_sched.h>: enum TCA_HTB_*.
    public static let TCA_HTB_PARMS: UInt16 = 1
    public static let TCA_HTB_INIT: UInt16 = 2
    public static let TCA_HTB_CTAB: UInt16 = 3
    public static let TCA_HTB_RTAB: UInt16 = 4
    public static let TCA_HTB_DIRECT_QLEN: UInt16 = 5
    public static let TCA_HTB_RATE64: UInt16 = 6
    public static let TCA_HTB_CEIL64: UInt16 = 7
    /// TC_HTB_PROTOVER: the version in struct tc_htb_glob.
    public static let TC_HTB_PROTOVER: UInt32 = 3
    /// TC_HTB_NUMPRIO: class priorities are 0 ... 7.
    public static let TC_HTB_NUMPRIO: UInt32 = 8

    // <linux/pkt_cls.h>: enum TCA_U32_*.
    public static let TCA_U32_CLASSID: UInt16 = 1
    public static let TCA_U32_HASH: UInt16 = 2
    public static let TCA_U32_LINK: UInt16 = 3
    public static let TCA_U32_DIVISOR: UInt16 = 4
    public static let TCA_U32_SEL: UInt16 = 5
    public static let TCA_U32_POLICE: UInt16 = 6
    public static let TCA_U32_ACT: UInt16 = 7
    public static let TCA_U32_FLAGS: UInt16 = 11
    /// struct tc_u32_sel flags.
    public static let TC_U32_TERMINAL: UInt8 = 1

    // <linux/pkt_cls.h>: enum TCA_ACT_* (one action inside TCA_U32_ACT) and the verdicts.
    public static let TCA_ACT_KIND: UInt16 = 1
    public static let TCA_ACT_OPTIONS: UInt16 = 2
    public static let TC_ACT_OK: Int32 = 0
    public static let TC_ACT_SHOT: Int32 = 2
    public static let TC_ACT_STOLEN: Int32 = 4
    public static let TC_ACT_PIPE: Int32 = 3

    // <linux/tc_act/tc_mirred.h>.
    public static let TCA_MIRRED_PARMS: UInt16 = 2
    public static let TCA_EGRESS_REDIR: Int32 = 1
    public static let TCA_EGRESS_MIRROR: Int32 = 2
    public static let TCA_INGRESS_REDIR: Int32 = 3
    public static let TCA_INGRESS_MIRROR: Int32 = 4

    // <linux/pkt_sched.h>: struct tc_fifo_qopt (pfifo, bfifo).
    public static let TC_FIFO_LIMIT_LENGTH = 4

    // <linux/if_ether.h>: ETH_P_ALL, `protocol all` of a filter (in network byte order in tcm_info).
    public static let ETH_P_ALL: UInt16 = 0x0003
    public static let ETH_P_IP: UInt16 = 0x0800
    public static let ETH_P_IPV6: UInt16 = 0x86DD
}
