import DHCPServer
import PatchbayEngine

/// The daemon's network services are its DHCP servers (DNS joins them in a later step).
extension DHCPServerManager: NetworkServices {}
