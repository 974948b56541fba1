// libpcap (Debian libpcap-dev), for one thing only: compiling tcpdump's filter syntax into
// classic BPF (pcap_open_dead + pcap_compile). Patchbay captures with its own packet sockets.
#include <pcap/pcap.h>
