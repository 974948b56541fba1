import Glibc
import NetlinkWire
import PatchbayModel

/// The kernel's link and forwarding-database notices (RTNLGRP_LINK and RTNLGRP_NEIGH: what `ip
/// monitor link` and `bridge monitor fdb` print), on a netlink socket of its own read by one
/// thread. An overrun (ENOBUFS: the kernel dropped notices) is thrown so the reader can take
/// stock again.
public final class KernelNoticeMonitor: Sendable {
    private let socket: NetlinkSocket

    public init(namespacePath: String? = nil, receiveTimeoutMilliseconds: Int32 = 500) throws(NetlinkError) {
        socket = try NetlinkSocket(namespacePath: namespacePath, groups: NetlinkConstants.RTMGRP_LINK | NetlinkConstants.RTMGRP_NEIGH,
                                   receiveTimeoutMilliseconds: receiveTimeoutMilliseconds)
    }

    /// The next batch; empty when the timeout passed first.
    public func next() throws(NetlinkError) -> [KernelNotice] {
        let messages = try socket.notices(operation: "read kernel notices")
        return messages.compactMap(Self.notice)
    }

    static func notice(_ message: NetlinkMessage) -> KernelNotice? {
        switch message.type {
        case NetlinkConstants.RTM_NEWLINK:
            guard let link = try? Link(message: message) else { return nil }
            return .link(index: link.index, name: link.name, state: link.trackedState)
        case NetlinkConstants.RTM_DELLINK:
            let name = (try? Link(message: message))?.name
            guard let header = try? IfInfoMessage(parsing: message.payload) else { return nil }
            return .linkRemoved(index: header.index, name: name)
        case NetlinkConstants.RTM_NEWNEIGH, NetlinkConstants.RTM_DELNEIGH:
            guard let entry = try? FDBEntry(message: message) else { return nil }
            return entry.notice(removed: message.type == NetlinkConstants.RTM_DELNEIGH)
        default:
            return nil
        }
    }
}

extension Link {
    /// The fields the event stream follows.
    public var trackedState: LinkTracker.State {
        LinkTracker.State(carrier: carrier ?? (flags & NetlinkConstants.IFF_LOWER_UP != 0), up: isUp, mtu: mtu ?? 0,
                          master: masterIndex.flatMap { $0 == index ? nil : $0 })
    }
}

extension FDBEntry {
    /// A learned entry of a bridge's table as a notice; nil for the bridge's own addresses.
    public func notice(removed: Bool) -> KernelNotice? {
        guard isLearned, !isSelf, let bridge = masterIndex, bridge != interfaceIndex else { return nil }
        return .fdb(bridge: bridge, port: interfaceIndex, mac: mac, vlan: vlan, removed: removed)
    }
}
