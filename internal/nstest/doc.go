// Package nstest makes throwaway network namespaces for tests (Linux).
package nstest
