{#- Loaded deliveries, one-to-one with raw.leveringen. -#}
with

source as (
    select * from {{ source('raw', 'leveringen') }}
),

renamed as (
    select
        extractdatum,
        aangemaakt_op,
        soort as levering_soort,
        bron,
        corporatie,
        contract_versie,
        geladen_op,
        rijen_geleverd,
        rijen_geladen,
        rijen_quarantaine
    from source
)

select * from renamed
