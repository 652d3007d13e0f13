# SPDX-License-Identifier: Apache-2.0
# The dev role and the device drivers.
COMMON_SRCS += drivers/escpos_status.c drivers/barcode.c
OUTPOSTD_SRCS += drivers/dev.c drivers/printer.c drivers/printer_file.c drivers/printer_stream.c drivers/printer_usb.c \
	drivers/voice.c drivers/scanner.c drivers/scanner_loop.c \
	drivers/painter.c drivers/gpio.c drivers/panel.c drivers/docscan.c
