#!/usr/bin/env python3
"""Varlink interop suite: the Python `varlink` package as a real peer of our Swift Varlink module.

Starts the built `varlink-certification` service on a temporary socket, then checks:
the Python certification client (`varlink.tests.test_certification --client`), once and several
at the same time; GetInfo and GetInterfaceDescription through the Python client, with the returned
IDL parsed by the Python `varlink.Interface` parser; standard errors; a malformed message closing
only its own connection; a clean stop on SIGTERM that removes the socket file.

Usage: certification_suite.py PATH-TO-varlink-certification
Prints one line per check and a closing `varlink-certification: N passed, M failed`; exits 1 on failure.
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback

import varlink
import varlink.tests

results = []


def check(name):
    def wrap(function):
        try:
            function()
            results.append((name, None))
            print(f"ok    {name}")
        except Exception as error:  # report every failure and go on
            detail = "".join(traceback.format_exception_only(type(error), error)).strip()
            results.append((name, detail))
            print(f"FAIL  {name}: {detail}")
        return function
    return wrap


def expect(condition, message):
    if not condition:
        raise AssertionError(message)


def raw_call(path, message):
    """Sends one raw message (bytes, NUL added) and returns the parsed reply, or None on close."""
    with socket.socket(socket.AF_UNIX) as connection:
        connection.settimeout(10)
        connection.connect(path)
        connection.sendall(message + b"\0")
        data = b""
        while not data.endswith(b"\0"):
            chunk = connection.recv(65536)
            if not chunk:
                return None
            data += chunk
        return json.loads(data[:-1])


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    binary = sys.argv[1]
    if not os.access(binary, os.X_OK):
        print(f"varlink-certification: {binary} is missing; run `swift build --build-tests` first", file=sys.stderr)
        print("varlink-certification: 0 passed, 1 failed")
        return 1

    workdir = tempfile.mkdtemp(prefix="varlink-cert-")
    path = os.path.join(workdir, "cert.sock")
    address = "unix:" + path
    log = open(os.path.join(workdir, "service.log"), "w+")
    service = subprocess.Popen([binary, path], stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while not os.path.exists(path):
            if service.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                print(log.read(), file=sys.stderr)
                print("varlink-certification: service did not start", file=sys.stderr)
                print("varlink-certification: 0 passed, 1 failed")
                return 1
            time.sleep(0.05)
        run_checks(path, address)
    finally:
        if service.poll() is None:
            service.send_signal(signal.SIGTERM)

    @check("SIGTERM stops the service with status 0 and removes its socket file")
    def _():
        status = service.wait(timeout=30)
        expect(status == 0, f"exit status {status}")
        expect(not os.path.exists(path), f"{path} still exists")

    failed = [name for name, detail in results if detail]
    if failed:
        log.seek(0)
        print("--- service log ---\n" + log.read(), file=sys.stderr)
    log.close()
    shutil.rmtree(workdir, ignore_errors=True)
    print(f"varlink-certification: {len(results) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


def certification_client(address):
    return subprocess.Popen(
        [sys.executable, "-m", "varlink.tests.test_certification", "--client", "--varlink=" + address],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def run_checks(path, address):
    @check("Python certification client passes")
    def _():
        client = certification_client(address)
        output, _ = client.communicate(timeout=60)
        expect(client.returncode == 0 and "Certification passed" in output, output)

    @check("8 Python certification clients at the same time all pass")
    def _():
        clients = [certification_client(address) for _ in range(8)]
        outputs = [client.communicate(timeout=120)[0] for client in clients]
        failures = [o for c, o in zip(clients, outputs) if c.returncode != 0 or "Certification passed" not in o]
        expect(not failures, f"{len(failures)} of 8 failed: {failures[:1]}")

    @check("GetInfo through the Python client")
    def _():
        with varlink.Client.new_with_address(address) as client, client.open("org.varlink.service") as service:
            info = service.GetInfo()
            expect(info["vendor"] == "depot" and info["product"] == "varlink-certification", info)
            expect(isinstance(info["version"], str) and isinstance(info["url"], str), info)
            expect(info["interfaces"] == ["org.varlink.service", "org.varlink.certification"], info["interfaces"])

    @check("GetInterfaceDescription returns IDL the Python parser reads like the reference interface")
    def _():
        with varlink.Client.new_with_address(address) as client, client.open("org.varlink.service") as service:
            description = service.GetInterfaceDescription("org.varlink.certification")["description"]
        ours = varlink.Interface(description)
        reference_path = os.path.join(os.path.dirname(varlink.tests.__file__), "org.varlink.certification.varlink")
        with open(reference_path) as f:
            reference = varlink.Interface(f.read())
        expect(ours.name == "org.varlink.certification", ours.name)
        expect(list(ours.members) == list(reference.members), (list(ours.members), list(reference.members)))
        for name, member in reference.members.items():
            signature = getattr(member, "signature", None)
            expect(getattr(ours.members[name], "signature", None) == signature, f"{name}: {signature}")

    @check("GetInterfaceDescription of org.varlink.service parses with the Python parser")
    def _():
        with varlink.Client.new_with_address(address) as client, client.open("org.varlink.service") as service:
            description = service.GetInterfaceDescription("org.varlink.service")["description"]
        interface = varlink.Interface(description)
        expect(interface.name == "org.varlink.service", interface.name)
        for method in ("GetInfo", "GetInterfaceDescription"):
            interface.get_method(method)
        for error in ("InterfaceNotFound", "MethodNotFound", "MethodNotImplemented", "InvalidParameter"):
            expect(error in interface.members, f"{error} missing")

    @check("Python client: unknown interface is InterfaceNotFound naming it")
    def _():
        with varlink.Client.new_with_address(address) as client, client.open("org.varlink.service") as service:
            try:
                service.GetInterfaceDescription("org.example.absent")
            except varlink.VarlinkError as error:
                expect(error.error() == "org.varlink.service.InterfaceNotFound", error.args)
                expect(error.parameters()["interface"] == "org.example.absent", error.args)
                return
        raise AssertionError("no error")

    @check("Python client: a call out of order gets the typed CertificationError")
    def _():
        with varlink.Client.new_with_address(address) as client, \
                client.open("org.varlink.certification") as certification:
            client_id = certification.Start()["client_id"]
            try:
                certification.Test03(client_id, 1)
            except varlink.VarlinkError as error:
                expect(error.error() == "org.varlink.certification.CertificationError", error.args)
                expect("wants" in error.parameters() and "got" in error.parameters(), error.args)
                return
        raise AssertionError("no error")

    @check("raw call to an unknown method is MethodNotFound naming it")
    def _():
        reply = raw_call(path, b'{"method":"org.varlink.certification.Absent","parameters":{}}')
        expect(reply == {"error": "org.varlink.service.MethodNotFound",
                         "parameters": {"method": "org.varlink.certification.Absent"}}, reply)

    @check("raw call with a wrongly typed parameter is InvalidParameter naming it")
    def _():
        reply = raw_call(path, b'{"method":"org.varlink.certification.Test01","parameters":{"client_id":5}}')
        expect(reply == {"error": "org.varlink.service.InvalidParameter",
                         "parameters": {"parameter": "client_id"}}, reply)

    @check("malformed JSON closes only its own connection")
    def _():
        with socket.socket(socket.AF_UNIX) as healthy:
            healthy.settimeout(10)
            healthy.connect(path)
            expect(raw_call(path, b'{"method": "org.varlink.service.GetInfo", ') is None, "malformed call answered")
            healthy.sendall(b'{"method":"org.varlink.service.GetInfo"}\0')
            data = b""
            while not data.endswith(b"\0"):
                chunk = healthy.recv(65536)
                expect(chunk, "healthy connection closed")
                data += chunk
            expect(json.loads(data[:-1])["parameters"]["vendor"] == "depot", data)


if __name__ == "__main__":
    sys.exit(main())
