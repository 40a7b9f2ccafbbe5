#!/bin/sh
exec kafka-class kafka.tools.StorageTool "$@"
