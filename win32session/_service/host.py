"""A Windows service host in pure ctypes: the dispatcher, the control handler
and honest status reports, around a notifier that the handler feeds.

Windows tells services about sessions through their control handler, from
boot and for every session (``SERVICE_CONTROL_SESSIONCHANGE``), and about
power too (``SERVICE_CONTROL_POWEREVENT``). :class:`Service` runs the
service's whole life, in the order Microsoft's docs give:

1. ``StartServiceCtrlDispatcherW`` on the calling thread, which Windows then
   uses for the control handler;
2. on the thread Windows starts for ``ServiceMain``: register the handler,
   report START_PENDING (with a wait hint), start the notifier, run the
   ``on_start`` hooks, report RUNNING with the controls it accepts (STOP,
   SHUTDOWN, PRESHUTDOWN, SESSIONCHANGE, POWEREVENT), register the power
   settings for the service's status handle when asked;
3. the handler decodes each control while its call lasts (``lpEventData`` is
   valid only then) and returns at once: events go to the notifier's pump,
   which delivers them as it does a window's; STOP, SHUTDOWN and PRESHUTDOWN
   start the stop;
4. the stop: STOP_PENDING, the power settings undone, the notifier stopped
   after the events already received are delivered, the ``on_stop`` hooks
   (flush your files there), then STOPPED with an exit code that says why.

A callback's exception never stops the service (the notifier logs it or
hands it to ``on_error``). A fatal error, such as a hook that raises or the
pump ending, stops it with ``ERROR_SERVICE_SPECIFIC_ERROR`` and a
service-specific exit code (:class:`ServiceExit`), logged to the
``win32session`` logger.
https://learn.microsoft.com/windows/win32/services/service-servicemain-function
https://learn.microsoft.com/windows/win32/services/service-control-handler-function

Importable anywhere; :meth:`Service.run` needs Windows.
"""

from __future__ import annotations

import enum
import sys
import threading
from collections.abc import Callable

from .._log import logger
from .._notifier.notifier import ErrorHandler, Notifier
from .._platform import require_windows

TYPE_CHECKING = False  # typing loads only for the type checker
if TYPE_CHECKING:
    from typing import Any, Final, TypeVar

    from .._sources.power import ServicePowerSettings

    _F = TypeVar("_F", bound=Callable[..., object])

__all__ = ["NotAServiceError", "Service", "ServiceExit"]


#: How long Windows is told each pending step may take (milliseconds). A
#: start under load, right after boot, can take seconds; Windows's own
#: default limit is 30 s.
START_WAIT_HINT_MS: Final = 10_000
STOP_WAIT_HINT_MS: Final = 10_000
#: The largest exit code :meth:`Service.fail` takes: bit 29 is the customer
#: bit it adds, bits 30 and 31 a Win32 error code's severity.
MAX_EXIT_CODE: Final = 0x1FFFFFFF
#: User-defined control codes a service may be sent (ControlService).
USER_CONTROLS: Final = range(128, 256)


class ServiceExit(enum.IntEnum):
    """Service-specific exit codes (``dwServiceSpecificExitCode``, with
    ``dwWin32ExitCode`` = 1066 ERROR_SERVICE_SPECIFIC_ERROR): why a service
    stopped other than by a request. 0 is a clean stop. :meth:`Service.fail`
    takes these or a code of your own. Windows is told each with the
    customer bit (0x20000000) set: 4 is reported as 0x20000004."""

    START_FAILED = 1
    """The notifier, an ``on_start`` hook or the power registration failed:
    nothing was watched."""
    EVENTS_FAILED = 2
    """The notifier's pump ended by an error while running."""
    STOP_FAILED = 3
    """An ``on_stop`` hook raised (the stop went on)."""
    OUTPUT_FAILED = 4
    """What the service writes could not be written (the audit service)."""


class NotAServiceError(OSError):
    """The program was not started by the service control manager (error
    1063, ERROR_FAILED_SERVICE_CONTROLLER_CONNECT): run from a console, say.
    Its text is one line that says so and what to run instead."""

    def __str__(self) -> str:
        return str(self.strerror)


def _check_name(name: object) -> str:
    if not isinstance(name, str):
        raise TypeError(f"a service name must be a str, got {type(name).__name__} {name!r}")
    if not name or len(name) > 256 or "/" in name or "\\" in name:
        raise ValueError(
            f"a service name is 1 to 256 characters without / or \\, got {name!r}")
    return name


class Service:
    """A Windows service that watches sessions (and power) with a notifier.

    ``service.notifier`` is a ``Notifier(service=True)`` watching every
    session: subscribe to it, iterate it or give it to a ``SessionTracker``
    before :meth:`run`. ``on_start`` hooks run once the notifier is running,
    before Windows hears RUNNING; ``on_stop(exit_code)`` hooks run after the
    last event was delivered, before Windows hears STOPPED.
    """

    def __init__(
        self,
        name: str,
        *,
        details: bool = True,
        power: bool = False,
        on_error: ErrorHandler | None = None,
    ) -> None:
        self._name = _check_name(name)
        self.notifier = Notifier(details=details, power=power, service=True,
                                 on_error=on_error)
        """The notifier the control handler feeds."""
        self._on_start: tuple[Callable[[], object], ...] = ()
        self._on_stop: tuple[Callable[[int], object], ...] = ()
        self._on_control: dict[int, Callable[[], object]] = {}
        self._stopping = threading.Event()
        self._lock = threading.Lock()  # guards the status and the exit code
        self._exit_code = 0
        self._reason: str | None = None
        self._state = "not started"
        self._status_handle: int | None = None
        self._check_point = 0
        self._accepted = 0
        # The two thunks Windows calls, made at run() and kept for the life of
        # this object: Windows keeps their addresses until the dispatcher ends.
        self._thunks: tuple[Any, ...] = ()

    def __repr__(self) -> str:
        return f"<Service {self._name!r} {self._state}>"

    @property
    def name(self) -> str:
        """The service's name in the service control manager."""
        return self._name

    @property
    def state(self) -> str:
        """``not started``, ``start pending``, ``running``, ``stop pending``
        or ``stopped``."""
        return self._state

    @property
    def exit_code(self) -> int:
        """0 after a clean stop; otherwise the service-specific exit code."""
        return self._exit_code

    @property
    def reason(self) -> str | None:
        """Why the service stopped with a non-zero exit code; None otherwise."""
        return self._reason

    # --- Hooks. ---

    def on_start(self, hook: _F) -> _F:
        """Decorator: ``hook()`` runs on the service's main thread once the
        notifier is running, before RUNNING is reported. If it raises, the
        service stops with :attr:`ServiceExit.START_FAILED`."""
        if not callable(hook):
            raise TypeError(f"on_start takes a callable, got {hook!r}")
        self._on_start += (hook,)
        return hook

    def on_stop(self, hook: _F) -> _F:
        """Decorator: ``hook(exit_code)`` runs after the notifier has
        delivered its last event, before STOPPED is reported: flush and close
        files here. If it raises, that is logged and the exit code becomes
        :attr:`ServiceExit.STOP_FAILED` (unless it was already non-zero)."""
        if not callable(hook):
            raise TypeError(f"on_stop takes a callable, got {hook!r}")
        self._on_stop += (hook,)
        return hook

    def on_control(self, code: int) -> Callable[[_F], _F]:
        """Decorator: ``hook()`` runs when the service is sent the
        user-defined control ``code`` (128 to 255, ``sc control NAME code``),
        on the control handler's thread: keep it short."""
        if not isinstance(code, int):
            raise TypeError(f"a user-defined control code is an int, 128 to 255, got {code!r}")
        if isinstance(code, bool) or code not in USER_CONTROLS:
            raise ValueError(f"a user-defined control code is 128 to 255, got {code!r}")

        def decorate(hook: _F) -> _F:
            if not callable(hook):
                raise TypeError(f"on_control takes a callable, got {hook!r}")
            self._on_control[code] = hook
            return hook

        return decorate

    # --- Stopping, from anywhere. ---

    def stop(self) -> None:
        """Asks the service to stop, as a STOP control would; safe from any
        thread, a callback among them."""
        self._begin_stop()

    def fail(self, exit_code: int, reason: str) -> None:
        """Stops the service because of a fatal error: ``reason`` is logged
        and Windows is told ``exit_code`` (a :class:`ServiceExit` or your own,
        1 to 0x1FFFFFFF) as the service-specific exit code, with the customer
        bit (0x20000000) set, as Windows reserves it for codes that are no
        Win32 error; ``win32session service status`` shows it without. The
        first failure wins."""
        if isinstance(exit_code, bool) or not isinstance(exit_code, int) or not (
                0 < exit_code <= MAX_EXIT_CODE):
            raise ValueError(f"exit_code must be 1 to 0x1FFFFFFF, got {exit_code!r}")
        with self._lock:
            first = self._exit_code == 0
            if first:
                self._exit_code = int(exit_code)
                self._reason = reason
        if first:
            logger().error("service %s stops (exit code %d): %s", self._name, exit_code, reason)
        self._begin_stop()

    def _begin_stop(self) -> None:
        if self._stopping.is_set():
            return
        self._stopping.set()
        if self._state == "running":
            self._report("stop pending")

    # --- The service's life. ---

    def run(self) -> int:
        """Connects to the service control manager and runs the service
        until it stops; returns its exit code (0 after a clean stop).

        Raises :class:`NotAServiceError` when the program was not started by
        the service control manager, and OSError when Windows refuses."""
        require_windows()
        if sys.platform != "win32":  # for mypy; require_windows() raised
            raise AssertionError
        from .._win32 import advapi32

        main = advapi32.LPSERVICE_MAIN_FUNCTIONW(self._service_main)
        handler = advapi32.LPHANDLER_FUNCTION_EX(self._handle_control)
        self._thunks = (main, handler)
        table = (advapi32.SERVICE_TABLE_ENTRYW * 2)()
        table[0].lpServiceName = self._name
        table[0].lpServiceProc = main
        try:
            # Returns when the service has stopped.
            advapi32.StartServiceCtrlDispatcherW(table)
        except OSError as exc:
            if exc.winerror == advapi32.ERROR_FAILED_SERVICE_CONTROLLER_CONNECT:
                raise NotAServiceError(
                    exc.errno, f"{self._name} was not started by the service control "
                    "manager (error 1063): it runs as a Windows service; start it with "
                    f"'win32session service start --name {self._name}', or watch from a "
                    "console with 'win32session watch --all-sessions'",
                    None, exc.winerror) from None
            raise
        return self._exit_code

    def _service_main(self, argc: int, argv: Any) -> None:
        # Windows's thread for the service. Nothing may unwind into C.
        try:
            self._serve()
        except BaseException:
            logger().exception("service %s: the service's main thread failed", self._name)

    def _serve(self) -> None:
        if sys.platform != "win32":  # only run() calls this, on Windows
            raise AssertionError
        from .._win32 import advapi32

        handler = self._thunks[1]
        try:
            self._status_handle = advapi32.RegisterServiceCtrlHandlerExW(self._name, handler, None)
        except OSError:
            logger().exception("service %s: cannot register its control handler", self._name)
            return  # without a status handle, nothing can be reported
        self._report("start pending")
        power: ServicePowerSettings | None = None
        self.notifier._add_finished_listener(self._notifier_finished)
        try:
            self._start()
            if not self._stopping.is_set():
                self._accepted = (
                    advapi32.SERVICE_ACCEPT_STOP | advapi32.SERVICE_ACCEPT_SHUTDOWN
                    | advapi32.SERVICE_ACCEPT_PRESHUTDOWN | advapi32.SERVICE_ACCEPT_SESSIONCHANGE
                    | (advapi32.SERVICE_ACCEPT_POWEREVENT if self.notifier.power else 0))
                self._report("running")
                if self.notifier.power:
                    # After RUNNING: Windows sends each setting's current value
                    # at once, as a POWEREVENT this service now accepts.
                    from .._sources.power import ServicePowerSettings

                    power = ServicePowerSettings(self._status_handle)
                    power.register()
        except Exception as exc:
            self.fail(ServiceExit.START_FAILED, f"cannot start: {exc}")
        self._stopping.wait()
        self._report("stop pending")
        if power is not None:
            power.unregister()
        self.notifier.stop()  # after every event already received
        self.notifier._remove_finished_listener(self._notifier_finished)
        for hook in self._on_stop:
            try:
                hook(self._exit_code)
            except Exception as exc:
                logger().exception("service %s: on_stop hook %r raised", self._name, hook)
                with self._lock:
                    if self._exit_code == 0:
                        self._exit_code = ServiceExit.STOP_FAILED
                        self._reason = f"on_stop hook raised: {exc}"
        self._report("stopped")

    def _start(self) -> None:
        self.notifier.start()
        self._report("start pending")
        for hook in self._on_start:
            hook()

    def _notifier_finished(self, error: BaseException | None) -> None:
        if error is not None:
            self.fail(ServiceExit.EVENTS_FAILED, f"the notifier's pump ended: {error!r}")

    def _handle_control(self, control: int, event_type: int, event_data: int | None,
                        context: int | None) -> int:
        """HandlerEx, on the dispatcher's thread: decode, hand on, return."""
        if sys.platform != "win32":  # only run() calls this, on Windows
            raise AssertionError
        from .._win32 import advapi32

        try:
            if control in (advapi32.SERVICE_CONTROL_SESSIONCHANGE,
                           advapi32.SERVICE_CONTROL_POWEREVENT):
                try:
                    self.notifier.feed(control, event_type, event_data)
                except RuntimeError as exc:
                    # Only between the stop's start and the handler's last
                    # call: Windows stops sending once STOP_PENDING is reported.
                    logger().warning("service %s: control %#x (%d) after the stop began: %s",
                                     self._name, control, event_type, exc)
                return advapi32.NO_ERROR
            if control in (advapi32.SERVICE_CONTROL_STOP, advapi32.SERVICE_CONTROL_SHUTDOWN,
                           advapi32.SERVICE_CONTROL_PRESHUTDOWN):
                self._begin_stop()
                return advapi32.NO_ERROR
            if control == advapi32.SERVICE_CONTROL_INTERROGATE:
                return advapi32.NO_ERROR
            hook = self._on_control.get(control)
            if hook is not None:
                hook()
                return advapi32.NO_ERROR
            return advapi32.ERROR_CALL_NOT_IMPLEMENTED
        except BaseException:  # nothing may unwind into C
            logger().exception("service %s: control %#x failed", self._name, control)
            return advapi32.NO_ERROR

    def _report(self, state: str) -> None:
        """SetServiceStatus, from either thread: the check point counts up
        while a state is pending, as Windows's progress check expects."""
        if sys.platform != "win32":  # only run() calls this, on Windows
            raise AssertionError
        from .._win32 import advapi32

        states = {
            "start pending": (advapi32.SERVICE_START_PENDING, START_WAIT_HINT_MS),
            "running": (advapi32.SERVICE_RUNNING, 0),
            "stop pending": (advapi32.SERVICE_STOP_PENDING, STOP_WAIT_HINT_MS),
            "stopped": (advapi32.SERVICE_STOPPED, 0),
        }
        code, wait_hint = states[state]
        with self._lock:
            if self._state == "stopped" or (
                    state in ("start pending", "running") and self._state == "stop pending"):
                return  # never back from a stop
            pending = state.endswith("pending")
            self._check_point = self._check_point + 1 if pending and self._state == state else (
                1 if pending else 0)
            self._state = state
            status = advapi32.SERVICE_STATUS()
            status.dwServiceType = advapi32.SERVICE_WIN32_OWN_PROCESS
            status.dwCurrentState = code
            status.dwControlsAccepted = self._accepted if state == "running" else 0
            status.dwCheckPoint = self._check_point
            status.dwWaitHint = wait_hint
            if state == "stopped" and self._exit_code:
                status.dwWin32ExitCode = advapi32.ERROR_SERVICE_SPECIFIC_ERROR
                # With the customer bit, so that the System log shows the
                # number rather than a Win32 error's text.
                status.dwServiceSpecificExitCode = self._exit_code | advapi32.CUSTOMER_BIT
            handle = self._status_handle
            if handle is None:
                return
            try:
                # Under the lock: two threads report (the handler, the
                # service's thread), and Windows must get them in order.
                advapi32.SetServiceStatus(handle, status)
            except OSError:
                logger().exception("service %s: cannot report %s", self._name, state)
