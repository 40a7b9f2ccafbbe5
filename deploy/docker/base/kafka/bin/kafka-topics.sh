#!/bin/sh
exec kafka-class org.apache.kafka.tools.TopicCommand "$@"
