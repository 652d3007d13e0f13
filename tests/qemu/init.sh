#!/bin/busybox sh
# /init of the test guest: real kernel modules, a USB printer gadget on
# dummy_hcd, then the checks.  Its console is the serial port qemu prints.
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
modprobe configfs
mount -t configfs configfs /sys/kernel/config
for m in dummy_hcd libcomposite usb_f_printer usblp; do
	modprobe "$m" || echo "GUEST FAIL modprobe $m"
done
g=/sys/kernel/config/usb_gadget/outpost
mkdir -p $g/strings/0x409 $g/configs/c.1 $g/functions/printer.0
echo 0x1d6b > $g/idVendor
echo 0x0104 > $g/idProduct
echo "Outpost test printer" > $g/strings/0x409/product
echo "MFG:Outpost;MDL:TestPrinter;CMD:ESCPOS;CLS:PRINTER;" > $g/functions/printer.0/pnp_string
ln -s $g/functions/printer.0 $g/configs/c.1/
echo dummy_udc.0 > $g/UDC
i=0
while [ ! -e /dev/usb/lp0 ] || [ ! -e /dev/g_printer0 ]; do
	i=$((i + 1))
	[ $i -gt 100 ] && { echo "GUEST FAIL the printer devices did not appear"; break; }
	sleep 0.1
done
/usb_guest
echo "GUEST exit $?"
poweroff -f
