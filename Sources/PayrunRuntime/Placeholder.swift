public enum PayrunRuntimePlaceholder {}
