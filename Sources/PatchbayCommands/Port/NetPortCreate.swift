import ArgumentParser
import PatchbayModel

struct NetPortCreate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "net-port-create",
        abstract: "Create a port on an active network: a TAP for QEMU, a veth pair into a namespace, or a macvtap on a NIC.",
        discussion: """
            A TAP port is a persistent vnetN device on the network's bridge (Patchbay's own, or the
            host bridge of a forward mode='bridge' network), with vnet_hdr, for
            `qemu-system-x86_64 -netdev tap,id=n0,ifname=vnetN,script=no,downscript=no`. A veth port
            puts its other end (eth0 unless --ifname says otherwise) into the named namespace with
            the port's MAC address. On a direct network (macvtap: forward mode bridge with
            <interface dev>, private, vepa or passthrough) every port is a macvtapN on a NIC of the
            pool, for `-netdev tap,id=n0,fd=3,vhost=off 3<>/dev/tap$(cat /sys/class/net/macvtapN/ifindex)`.
            On an Open vSwitch network, TAP and veth ports are added to the OVS bridge with
            libvirt's external_ids; --type vhostuser (bridges running OVS-DPDK) makes a
            dpdkvhostuserclient port instead, whose socket QEMU serves:
            `-chardev socket,id=c0,path=SOCKET,server=on -netdev vhost-user,id=n0,chardev=c0
            -device virtio-net-pci,netdev=n0,mac=MAC` with guest memory shared
            (`-object memory-backend-memfd,id=mem,size=...,share=on -machine memory-backend=mem`).
            --portgroup takes the VLAN, bandwidth and virtualport of that <portgroup> (default: the
            network's default group).
            """)

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "Network name.") var network: String
    @Option(help: "Owner name (the VM or container).") var owner: String
    @Option(name: .customLong("owner-uuid"), help: "Owner UUID.") var ownerUUID: String?
    @Option(help: "MAC address (default: a random 52:54:00 one).") var mac: String?
    @Option(help: "tap, veth, macvtap (on direct networks every port is a macvtap) or vhostuser (Open vSwitch networks with DPDK).") var type = "tap"
    @Option(name: .customLong("vhost-socket"), help: "vhostuser: the socket path QEMU will serve (default: one in patchbayd's vhost-user directory).") var vhostSocket: String?
    @Option(help: "The network's <portgroup> to take settings from.") var portgroup: String?
    @Option(help: "veth: the network namespace (a name under /run/netns) for the other end.") var netns: String?
    @Option(help: "veth: the name of the other end inside the namespace.") var ifname: String?
    @Option(help: "TAP: number of queues (more than 1 makes it multiqueue).") var queues: Int?
    @Option(help: "TAP: uid allowed to open the device.") var user: UInt32?
    @Option(help: "TAP: gid allowed to open the device.") var group: UInt32?
    @Option(help: "guest (the default) or uplink: a host NIC's port, which the loop guard never probes or disables.") var role = "guest"

    @Option(help: "A network filter for the port (libvirt's <filterref filter=...>), e.g. clean-traffic.") var filter: String?
    @Option(name: .customLong("param"), help: ArgumentHelp("A filter parameter NAME=VALUE (repeat a name for a list), e.g. IP=10.0.0.5.",
                                                           valueName: "name=value"))
    var parameters: [String] = []
    @OptionGroup var bandwidth: BandwidthOptions
    @Flag(help: "Print the port as JSON.") var json = false

    func validate() throws { _ = try request() }

    func request() throws -> CreatePortRequest {
        guard let kind = NetworkPort.DeviceType(rawValue: type) else { throw ValidationError("--type must be tap, veth, macvtap or vhostuser, not '\(type)'") }
        if vhostSocket != nil && kind != .vhostuser { throw ValidationError("--vhost-socket is for vhostuser ports") }
        var parsedMAC: MACAddress?
        if let mac {
            guard let value = MACAddress(mac) else { throw ValidationError("'\(mac)' is not a MAC address") }
            guard value.bytes[0] & 1 == 0 else { throw ValidationError("\(mac) is a multicast address; a port needs a unicast one") }
            parsedMAC = value
        }
        var parsedUUID: NetworkUUID?
        if let ownerUUID {
            guard let value = NetworkUUID(ownerUUID) else { throw ValidationError("'\(ownerUUID)' is not a UUID") }
            parsedUUID = value
        }
        if kind == .veth && netns == nil { throw ValidationError("a veth port needs --netns") }
        guard let parsedRole = NetworkPort.Role(rawValue: role) else { throw ValidationError("--role must be guest or uplink, not '\(role)'") }
        if !parameters.isEmpty && filter == nil { throw ValidationError("--param needs --filter") }
        var values: [String: [String]] = [:]
        for parameter in parameters {
            let parts = parameter.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw ValidationError("--param takes NAME=VALUE, not '\(parameter)'")
            }
            values[String(parts[0]), default: []].append(String(parts[1]))
        }
        var request = CreatePortRequest(ownerName: owner, ownerUUID: parsedUUID, mac: parsedMAC, type: kind, role: parsedRole, namespace: netns,
                                        peerName: ifname, queues: queues, ownerUID: user, ownerGID: group, portGroup: portgroup,
                                        socketPath: vhostSocket)
        request.filter = filter
        request.bandwidth = try bandwidth.definition()
        request.filterParameters = values.isEmpty ? nil : values
        return request
    }

    func run() async throws {
        let port = try await connection.client.createPort(network, try request())
        if json {
            print(try JSONOutput.render(port))
        } else {
            if let path = port.socketPath {
                print("Network port \(port.uuid) created (vhost-user port \(port.device), socket \(path), MAC \(port.mac))\n")
            } else {
                print("Network port \(port.uuid) created (device \(port.device), MAC \(port.mac))\n")
            }
        }
    }
}
