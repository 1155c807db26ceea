"""The add-in's own VBA modules and ribbon XML (text sources, no logic), shipped as
package data so ``zhicheng build-addin`` works from an installed wheel; read them with
``importlib.resources.files("vba_stubs")``."""
