#!/bin/sh
# udhcpc event script: configure the address only (no routes, no DNS), and
# remember the server for the TFTP transfer.
# shellcheck disable=SC2154 # udhcpc sets interface, ip, mask, serverid
case "$1" in
bound|renew)
	ip addr flush dev "$interface"
	ip addr add "$ip/${mask:-24}" dev "$interface"
	echo "${serverid:-$router}" >"/tmp/$interface.router"
	;;
esac
exit 0
