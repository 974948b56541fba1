import DHCPWire
import PatchbayModel

extension DHCPServerCore {
    /// An OFFER or ACK (RFC 2131 table 3): fixed fields copied from the request, then the options
    /// the network provides, in the order the client's parameter request list gives (RFC 2132
    /// §9.8), all of them when it sends no list.
    func makeReply(_ type: DHCPMessageType, to request: DHCPMessage, yiaddr: IPv4Address, leaseSeconds: UInt64?,
                   hostname: String? = nil, includeLease: Bool = true) -> DHCPMessage {
        var reply = DHCPMessage(op: DHCPMessage.bootReply, xid: request.xid)
        reply.htype = request.htype
        reply.hlen = request.hlen
        reply.chaddr = request.chaddr
        reply.flags = request.flags
        reply.giaddr = request.giaddr
        reply.ciaddr = type == .ack ? request.ciaddr : IPv4Address(0)
        reply.yiaddr = yiaddr
        if let file = pool.bootFile {
            reply.setBootFileName(file)
            reply.siaddr = pool.bootServer ?? pool.serverAddress
        }
        reply.options.messageType = type
        reply.options.setAddress(DHCPOptionCode.serverIdentifier, pool.serverAddress)
        if includeLease {
            if let seconds = leaseSeconds {
                reply.options.setUInt32(DHCPOptionCode.leaseTime, UInt32(clamping: seconds))
                reply.options.setUInt32(DHCPOptionCode.renewalTime, UInt32(clamping: seconds / 2))
                reply.options.setUInt32(DHCPOptionCode.rebindingTime, UInt32(clamping: seconds * 7 / 8))
            } else {
                reply.options.setUInt32(DHCPOptionCode.leaseTime, 0xFFFF_FFFF)  // RFC 2132 §9.2: infinity
            }
        }
        let available = configurationOptions(hostname: hostname, requested: request.options.parameterRequestList)
        let wanted = request.options.parameterRequestList
        let order = wanted.isEmpty ? available.map(\.code) : wanted
        for code in order {
            if let option = available.first(where: { $0.code == code }) { reply.options[option.code] = option.value }
        }
        if let clientID = request.options.clientIdentifier { reply.options[DHCPOptionCode.clientIdentifier] = clientID }
        return reply
    }

    /// The options this network can answer with: the pool's, and the client's host name after
    /// the DNS servers (where it always was, for clients that send no parameter list).
    func configurationOptions(hostname: String?, requested: [UInt8]) -> [(code: UInt8, value: [UInt8])] {
        guard let hostname else { return poolOptions }
        var options = poolOptions
        let position = options.firstIndex { $0.code != DHCPOptionCode.subnetMask && $0.code != DHCPOptionCode.router
            && $0.code != DHCPOptionCode.domainNameServer } ?? options.count
        options.insert((DHCPOptionCode.hostName, Array(hostname.utf8)), at: position)
        return options
    }

    static func options(of pool: DHCPPool) -> [(code: UInt8, value: [UInt8])] {
        var options: [(UInt8, [UInt8])] = [(DHCPOptionCode.subnetMask, pool.subnetMask.bytes)]
        if let router = pool.router { options.append((DHCPOptionCode.router, router.bytes)) }
        if !pool.dnsServers.isEmpty { options.append((DHCPOptionCode.domainNameServer, pool.dnsServers.flatMap(\.bytes))) }
        if let domain = pool.domain {
            options.append((DHCPOptionCode.domainName, Array(domain.utf8)))
            options.append((DHCPOptionCode.domainSearch, DHCPOptionEncodings.domainSearch([domain])))
        }
        if let mtu = pool.mtu { options.append((DHCPOptionCode.interfaceMTU, [UInt8(mtu >> 8 & 0xFF), UInt8(mtu & 0xFF)])) }
        options.append((DHCPOptionCode.broadcastAddress, pool.broadcast.bytes))
        if let file = pool.bootFile {
            options.append((DHCPOptionCode.bootfileName, Array(file.utf8)))
            options.append((DHCPOptionCode.tftpServerName, Array((pool.bootServer ?? pool.serverAddress).description.utf8)))
        }
        if !pool.staticRoutes.isEmpty {
            // RFC 3442: a client that takes option 121 ignores option 3, so the default route
            // goes in too.
            var routes = pool.staticRoutes
            if let router = pool.router { routes.insert((IPv4Address(0), 0, router), at: 0) }
            options.append((DHCPOptionCode.classlessStaticRoute, DHCPOptionEncodings.classlessStaticRoutes(routes)))
        }
        return options
    }
}
