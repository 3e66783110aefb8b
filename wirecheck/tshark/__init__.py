"""Wireshark's second opinion: tshark reads each capture and must agree with the model."""
