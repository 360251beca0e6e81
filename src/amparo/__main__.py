from amparo.cli import main

main()
