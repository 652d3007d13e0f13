# SPDX-License-Identifier: Apache-2.0
# The SD-card image for Raspberry Pi (a later issue) builds from here.
