#!/bin/busybox sh
# SPDX-License-Identifier: Apache-2.0
# /init of the test guest: real kernel modules, a USB printer gadget on
# dummy_hcd, then the checks.  Its console is the serial port qemu prints.
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
modprobe configfs
mount -t configfs configfs /sys/kernel/config
for m in dummy_hcd libcomposite usb_f_printer usb_f_hid usb_f_acm usblp usbhid hid_generic evdev cdc_acm; do
	modprobe "$m" || echo "GUEST FAIL modprobe $m"
done
g=/sys/kernel/config/usb_gadget/outpost
mkdir -p $g/strings/0x409 $g/configs/c.1 $g/functions/printer.0 $g/functions/hid.0 $g/functions/acm.0
echo 0x1d6b > $g/idVendor
echo 0x0104 > $g/idProduct
echo "Outpost test printer" > $g/strings/0x409/product
echo "MFG:Outpost;MDL:TestPrinter;CMD:ESCPOS;CLS:PRINTER;" > $g/functions/printer.0/pnp_string
# A boot keyboard: what a keyboard-wedge barcode scanner is on USB.
echo 1 > $g/functions/hid.0/protocol
echo 1 > $g/functions/hid.0/subclass
echo 8 > $g/functions/hid.0/report_length
printf '\x05\x01\x09\x06\xa1\x01\x05\x07\x19\xe0\x29\xe7\x15\x00\x25\x01\x75\x01\x95\x08\x81\x02\x95\x01\x75\x08\x81\x03\x95\x05\x75\x01\x05\x08\x19\x01\x29\x05\x91\x02\x95\x01\x75\x03\x91\x03\x95\x06\x75\x08\x15\x00\x25\x65\x05\x07\x19\x00\x29\x65\x81\x00\xc0' > $g/functions/hid.0/report_desc
ln -s $g/functions/printer.0 $g/configs/c.1/
ln -s $g/functions/hid.0 $g/configs/c.1/
ln -s $g/functions/acm.0 $g/configs/c.1/
echo dummy_udc.0 > $g/UDC
i=0
while [ ! -e /dev/usb/lp0 ] || [ ! -e /dev/g_printer0 ] || [ ! -e /dev/hidg0 ] || [ ! -e /dev/ttyACM0 ] ||
	! ls /dev/input/event* >/dev/null 2>&1; do
	i=$((i + 1))
	[ $i -gt 100 ] && { echo "GUEST FAIL the printer devices did not appear"; break; }
	sleep 0.1
done
/usb_guest
echo "GUEST exit $?"

# gpio-sim: one bank of 8 lines, a button and an LED named.
insmod /gpio-sim.ko || echo "GUEST FAIL insmod gpio-sim"
s=/sys/kernel/config/gpio-sim/outpost
mkdir -p $s/bank0/line0 $s/bank0/line3
echo 8 > $s/bank0/num_lines
echo btn_call > $s/bank0/line0/name
echo led_ready > $s/bank0/line3/name
echo 1 > $s/live
chip=$(cat $s/bank0/chip_name)
sysdir=/sys/devices/platform/$(cat $s/dev_name)/$chip
for g in /gpio_guest_v1 /gpio_guest_v2; do
	$g /dev/$chip $sysdir
	echo "GUEST exit $?"
done
poweroff -f
