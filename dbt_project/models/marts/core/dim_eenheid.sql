{#- Units as they are now (their latest known version); history in dim_eenheid_historie. -#}
with

historie as (
    select * from {{ ref('dim_eenheid_historie') }}
    where is_laatste_versie
),

final as (
    select
        eenheid_id,
        complex_id,
        wijk,
        buurtcode,
        buurt,
        plaats,
        eenheid_soort,
        eenheid_detailsoort,
        eenheid_detailsoort_naam,
        bouwjaar,
        bouwjaar_klasse,
        kamers_aantal,
        oppervlakte_m2,
        etage,
        etage_klasse,
        lift,
        energielabel,
        huurklasse,
        huurklasse_naam,
        nettohuur,
        brutohuur,
        in_exploitatiedatum,
        uit_exploitatiedatum,
        (
            in_exploitatiedatum <= {{ extractdatum() }}
            and (uit_exploitatiedatum is null or uit_exploitatiedatum > {{ extractdatum() }})
        ) as is_in_exploitatie,
        is_in_extract,
        geregistreerd_vanaf as versie_geldig_vanaf
    from historie
)

select * from final
